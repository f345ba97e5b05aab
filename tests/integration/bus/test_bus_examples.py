"""The two example clients, run as a user runs them, against the running system."""
import re
import subprocess
import sys

from tests.support.processes import ROOT
from tests.support.waiting import wait_until

TRACKING = re.compile(r"^(phone-\w+-\d+)\s+(.*?)\s+→ (.*)$")


def test_the_phone_system_and_a_department_client_work_against_the_system(system, tmp_path):
    log = open(tmp_path / "department.log", "w")
    department = subprocess.Popen([sys.executable, "-m", "examples.department_client", "--department", "WATERSHED",
                                   "--amqp-uri", system.amqp_uri, "--step-seconds", "0.2"],
                                  cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        phone = subprocess.run([sys.executable, "-m", "examples.phone_system", "--amqp-uri", system.amqp_uri,
                                "--timeout", "120"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert phone.returncode == 0, phone.stdout + phone.stderr
        lines = [TRACKING.match(line).groups() for line in phone.stdout.splitlines()]
        answers = {what: outcome for _, what, outcome in lines}
        assert sum(outcome.startswith("tracking id") for outcome in answers.values()) == 5, phone.stdout  # 4 + the resend
        assert sum(outcome.startswith("contact") for outcome in answers.values()) == 6, phone.stdout
        rejected = [outcome for outcome in answers.values() if outcome.startswith("rejected")]
        assert len(rejected) == 1 and "a location is required" in rejected[0] and "enormous" in rejected[0]
        first = next(outcome for what, outcome in answers.items() if what.startswith("request"))
        assert answers["same message id sent again"] == first  # the same tracking id: filed once

        leak = next(o for w, o in answers.items() if "WATER_LEAK" in w).removeprefix("tracking id ")
        wait_until(lambda: system.get("intake", f"/open311/v2/requests/{leak}.json").json()[0]["status"] == "closed",
                   120, 0.3, f"the department client to close {leak}")
        assert department.poll() is None, "the department client stopped"
    finally:
        department.terminate()
        department.wait(15)
        log.close()
    said = (tmp_path / "department.log").read_text()
    assert f"reported closed for {leak}" in said, said
