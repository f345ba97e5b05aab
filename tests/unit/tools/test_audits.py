"""Security audits in `make test`: bandit over our code, pip-audit over the pinned Python set, npm audit.

bandit fails on any high-severity finding (.bandit). pip-audit and `npm audit` need their vulnerability
databases (PyPI's JSON API per release, the npm registry's bulk advisory endpoint); when one does not
answer, its test is skipped with the exact answer, so the skip says what is missing. Any other failure
of either tool fails the test.
"""
import json
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
DASHBOARD = ROOT / "services" / "metrics" / "web"
PYPI_RELEASE_JSON = "https://pypi.org/pypi/{name}/{version}/json"
NPM_ADVISORIES = "https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"


def test_bandit_finds_no_high_severity_issue():
    done = subprocess.run([str(BIN / "bandit"), "--ini", ".bandit", "--severity-level", "high", "--quiet",
                           "--format", "json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    report = json.loads(done.stdout)
    found = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]
    assert found == [] and done.returncode == 0, "\n".join(found) or done.stderr
    assert report["metrics"]["_totals"]["loc"] > 10_000   # it did scan shared/ and services/


def test_bandit_fails_on_a_high_severity_issue(tmp_path):
    """The gate can fail: the same command on a file with a known high-severity hole exits non-zero."""
    (tmp_path / "hole.py").write_text("import subprocess\n\ndef run(text):\n"
                                      "    return subprocess.call(text, shell=True)\n")
    (tmp_path / ".bandit").write_text("[bandit]\ntargets = .\nrecursive = true\n")
    done = subprocess.run([str(BIN / "bandit"), "--ini", ".bandit", "--severity-level", "high", "--quiet"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "B602" in done.stdout


def pinned_set():
    """Every installed distribution but this project: the pins of pyproject.toml and what they pulled in."""
    pins = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and name.lower() != "city311":
            pins.append(f"{name}=={dist.version}")
    return sorted(set(pins), key=str.lower)


def _pypi_answers(name, version):
    """None when PyPI's per-release JSON (pip-audit's vulnerability source) answers; else what it said."""
    url = PYPI_RELEASE_JSON.format(name=name, version=version)
    try:
        response = requests.get(url, timeout=20)
    except requests.RequestException as exc:
        return f"GET {url}: {exc}"
    if response.status_code != 200 or "vulnerabilities" not in response.json():
        return f"GET {url} answered HTTP {response.status_code} (no per-release vulnerability data)"
    return None


def test_pip_audit_finds_no_known_vulnerability_in_the_pinned_set(tmp_path):
    unreachable = _pypi_answers("requests", metadata.version("requests"))
    if unreachable:
        pytest.skip(f"pip-audit's vulnerability service (PyPI) is unreachable from here: {unreachable}")
    requirements = tmp_path / "pinned.txt"
    requirements.write_text("\n".join(pinned_set()) + "\n")
    done = subprocess.run([str(BIN / "pip-audit"), "--requirement", str(requirements), "--no-deps",
                           "--disable-pip", "--vulnerability-service", "pypi", "--format", "json",
                           "--progress-spinner", "off"], capture_output=True, text=True, timeout=600)
    report = json.loads(done.stdout)
    vulnerable = [f"{d['name']} {d['version']}: {', '.join(v['id'] for v in d['vulns'])}"
                  for d in report["dependencies"] if d.get("vulns")]
    assert vulnerable == [], "\n".join(vulnerable)
    not_audited = [f"{d['name']} {d['version']}: {d['skip_reason']}"
                   for d in report["dependencies"] if d.get("skip_reason")]
    assert not_audited == [], "\n".join(not_audited)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed (make install needs it)")
def test_npm_audit_finds_no_high_severity_issue_in_the_dashboard():
    done = subprocess.run(["npm", "audit", "--audit-level=high", "--json"], cwd=DASHBOARD,
                          capture_output=True, text=True, timeout=300)
    report = json.loads(done.stdout or "{}")
    if report.get("uri") == NPM_ADVISORIES and report.get("statusCode") != 200:
        pytest.skip(f"npm audit's vulnerability service is unreachable from here: {report.get('message')}")
    counts = report.get("metadata", {}).get("vulnerabilities", {})
    assert done.returncode == 0, (f"npm audit: {counts.get('high', 0)} high, {counts.get('critical', 0)} "
                                  f"critical\n{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
    assert "vulnerabilities" in report.get("metadata", {}), done.stdout[-2000:]
