"""Schemathesis fuzzes the live Open311 API from its own OpenAPI document (/open311/openapi.json).

Every generated call goes over HTTP to the running intake process. Each answer
must have a documented status (never a 5xx), a documented content type and
headers, and a JSON body matching the document's schema; a method a resource
does not take must get a 405 with an Allow header. The run is bounded by a
fixed number of examples per operation (and a fixed seed), not by a clock.

Left out: schemathesis's "positive data acceptance" and "negative data
rejection" heuristics. The document cannot say that `radius` needs `lat` and
`long` or that an end date must follow its start date, and the server is
lenient where clients need it (`.JSON`, dates without an offset), so they flag
correct behaviour; test_open311_http.py pins that behaviour down instead.
"""
import os
import subprocess
import sys
from pathlib import Path

from tests.support.processes import ROOT

ST = Path(sys.executable).with_name("st")
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance,unsupported_method,"
          "allow_header_conformance")


def test_the_live_api_keeps_to_its_openapi_document(system, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), SCHEMATHESIS_HOOKS="tests.integration.open311.schemathesis_hooks")
    argv = [str(ST), "run", system.url("intake", "/open311/openapi.json"), "--checks", CHECKS,
            "--phases", "examples,coverage,fuzzing", "--max-examples", "15", "--seed", "311",
            "--request-timeout", "30", "--workers", "1", "--warnings", "off",
            "--report", "junit", "--report-dir", str(tmp_path)]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-20_000:] + done.stderr[-5_000:]
    assert "8 operations" in done.stdout or "Tested: 8" in done.stdout, done.stdout[-5_000:]
