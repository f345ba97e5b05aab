"""`make chaos` stopped half-way (SIGTERM, as CI or `kill` sends) leaves none of its processes behind,
and answers --help without starting anything."""
import re
import signal
import socket
import subprocess
import sys

import psutil
import pytest

from tests.support.processes import ROOT
from tests.support.waiting import wait_until


def test_help_names_the_choices_and_starts_nothing():
    done = subprocess.run([sys.executable, "-m", "tests.reliability.chaos", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for option in ("--faults", "--rate", "--repetitions", "--db", "--one-per-kind"):
        assert option in done.stdout


def test_faults_that_match_nothing_are_refused():
    done = subprocess.run([sys.executable, "-m", "tests.reliability.chaos", "--faults", "no-such-fault"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "no row matches --faults" in done.stdout


def _answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


@pytest.mark.integration
def test_a_terminated_chaos_run_stops_everything_it_started(tmp_path):
    log_path = tmp_path / "chaos.log"
    with open(log_path, "wb") as log:
        chaos = subprocess.Popen([sys.executable, "-m", "tests.reliability.chaos", "--faults", "kill -9 intake",
                                  "--rate", "2", "--fault-seconds", "120", "--db", "postgresql",
                                  "--timers", "fast", "--results", str(tmp_path)],
                                 cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        parent = psutil.Process(chaos.pid)
        wait_until(lambda: b"-- kill -9 intake" in log_path.read_bytes(), 240, 0.5, "the first row started")
        servers = re.search(rb"RabbitMQ node at 127.0.0.1:(\d+), PostgreSQL server at 127.0.0.1:(\d+)",
                            log_path.read_bytes())
        ports = [int(p) for p in servers.groups()]
        # supervisord and its thirteen programs; the broker node and PostgreSQL run detached
        started = parent.children(recursive=True)
        assert any("supervisor" in " ".join(p.cmdline()) for p in started)
        assert len([p for p in started if "nameko" in " ".join(p.cmdline())]) == 5
        assert all(_answers(port) for port in ports)
    finally:
        chaos.send_signal(signal.SIGTERM)
        try:
            chaos.wait(120)
        except subprocess.TimeoutExpired:
            chaos.kill()
    left = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], [" ".join(p.cmdline()[:4]) for p in left]
    assert not any(_answers(port) for port in ports), "the run's broker node or PostgreSQL server still answers"
    assert chaos.returncode == 128 + signal.SIGTERM, log_path.read_text(errors="replace")[-2000:]
