"""deploy/prometheus: the alerting rules are valid and behave as their unit tests say (promtool), and the
scrape configuration is valid."""
import shutil
import subprocess

import pytest

from shared.config import PROJECT_ROOT

PROMETHEUS_DIR = PROJECT_ROOT / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (Debian: apt-get install "
                                                              "prometheus, which ships it)")


def _promtool(*args):
    return subprocess.run([PROMTOOL, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=120)


@needs_promtool
def test_the_alerting_rules_pass_promtool_check_rules():
    done = _promtool("check", "rules", "rules.yml")
    assert done.returncode == 0, done.stdout + done.stderr


@needs_promtool
def test_the_alerting_rules_pass_their_unit_tests():
    done = _promtool("test", "rules", "rules.test.yml")
    assert done.returncode == 0, done.stdout + done.stderr


@needs_promtool
def test_the_scrape_configuration_passes_promtool_check_config():
    done = _promtool("check", "config", "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_alert_has_a_runbook_section_in_docs_operations():
    import yaml
    rules = yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text())
    runbooks = (PROJECT_ROOT / "docs" / "operations.md").read_text().lower()
    for group in rules["groups"]:
        for rule in group["rules"]:
            anchor = rule["annotations"]["runbook"].split("#")[1]
            assert anchor == rule["alert"].lower()
            assert f"### {rule['alert'].lower()}" in runbooks, f"no runbook section for {rule['alert']}"
