"""Under supervisord one process down is one process down: it comes back, its neighbours never notice.

Real supervisord on a configuration rendered by shared/supervision.py (what `make run` uses),
with small programs: sleepers, one that leaves a grandchild behind, and a one-shot.
"""
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import psutil
import pytest

from shared.supervision import Program, Supervisord
from tests.support.waiting import wait_until

SLEEPER = [sys.executable, "-c", "import time; print('100% awake', flush=True); time.sleep(600)"]
# bash with a child of its own: stopping the program must take the whole process group.
WITH_GRANDCHILD = ["bash", "-c", "sleep 600 & echo $! > grandchild.pid; wait"]
ONE_SHOT = [sys.executable, "-c", "print('announced', flush=True)"]


@pytest.fixture
def folder():
    """A short path: supervisord's unix socket must fit in 108 bytes."""
    path = Path(tempfile.mkdtemp(prefix="c311sv-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def supervisord(folder):
    programs = [Program("first", SLEEPER), Program("second", SLEEPER),
                Program("family", WITH_GRANDCHILD, cwd=str(folder)),
                Program("announce", ONE_SHOT, restart=False)]
    running = Supervisord(programs, folder / "run", folder / "log").start()
    yield running
    running.stop()


def _running_pids(supervisord, *names):
    return {name: supervisord.wait_for_state(name, "RUNNING")["pid"] for name in names}


def test_a_killed_program_is_restarted_and_the_others_keep_running(supervisord, folder):
    before = _running_pids(supervisord, "first", "second", "family")
    os.kill(before["first"], signal.SIGKILL)
    restarted = supervisord.wait_for_state("first", "RUNNING", unlike_pid=before["first"])
    assert restarted["pid"] != before["first"]
    assert _running_pids(supervisord, "second", "family") == {"second": before["second"],
                                                              "family": before["family"]}
    log = (folder / "log" / "supervisord.log").read_text()
    assert "exited: first (terminated by SIGKILL; not expected)" in log
    assert "100% awake" in (folder / "log" / "first.log").read_text()


def test_a_one_shot_program_runs_once_and_is_not_restarted(supervisord):
    done = supervisord.wait_for_state("announce", "EXITED")
    assert done["exitstatus"] == 0
    first = _running_pids(supervisord, "first")["first"]   # time for a restart, had there been one
    os.kill(first, signal.SIGKILL)
    supervisord.wait_for_state("first", "RUNNING", unlike_pid=first)
    assert supervisord.info("announce")["statename"] == "EXITED"
    assert supervisord.info("announce")["start"] == done["start"]


def test_sigterm_stops_supervisord_and_every_program_with_its_children(supervisord, folder):
    pids = list(_running_pids(supervisord, "first", "second", "family").values())
    grandchild = int(wait_until(lambda: (folder / "grandchild.pid").read_text().strip(), 10, what="pid file"))
    assert psutil.pid_exists(grandchild)
    assert supervisord.stop() == 0
    for pid in [*pids, grandchild]:
        wait_until(lambda: not _alive(pid), 10, what=f"process {pid} gone")


def _alive(pid):
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
