"""Every command-line tool an operator runs answers --help, and refuses a wrong argument clearly."""
import os
import subprocess
import sys

import pytest

from shared.config import PROJECT_ROOT

TOOLS = ["shared.persistence.migrations", "shared.gazetteer", "shared.messaging.broker", "shared.messaging.declare",
         "shared.messaging.deadletters", "shared.messaging.outbox", "shared.events.asyncapi", "shared.supervision",
         "shared.messaging.users", "shared.operations", "services.metrics.subscriber", "services.workorders.reconcile",
         "services.intake.web.staff_cli"]


def test_every_command_line_tool_under_shared_and_services_is_in_this_list():
    found = {".".join(part for part in path.relative_to(PROJECT_ROOT).with_suffix("").parts if part != "__main__")
             for folder in ("shared", "services") for path in (PROJECT_ROOT / folder).rglob("*.py")
             if 'if __name__ == "__main__"' in path.read_text()}
    assert found - set(TOOLS) == set(), "a new tool: add it to TOOLS"


def _run(module, *args):
    env = dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, timeout=60,
                          cwd=PROJECT_ROOT, env=env)


@pytest.mark.parametrize("module", TOOLS)
def test_the_tool_answers_help_with_its_usage(module):
    done = _run(module, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: python -m {module}")


@pytest.mark.parametrize("module", TOOLS)
def test_an_unknown_argument_is_refused_with_usage_and_exit_2(module):
    done = _run(module, "no-such-thing")
    assert done.returncode == 2
    assert "usage:" in done.stderr and "no-such-thing" in done.stderr
