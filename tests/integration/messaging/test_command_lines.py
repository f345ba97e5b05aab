"""The messaging command lines answer --help and refuse unknown arguments with a usage message."""
import subprocess
import sys

import pytest

from tests.support.processes import ROOT


def run(*argv):
    return subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("module", ["shared.messaging.declare", "shared.messaging.deadletters"])
def test_help_describes_the_command_and_exits_cleanly(module):
    done = run(module, "--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"usage: python -m {module}")


def test_declare_refuses_an_unknown_service_by_name():
    done = run("shared.messaging.declare", "nosuchservice")
    assert done.returncode == 2
    assert "no such service: nosuchservice" in done.stderr
