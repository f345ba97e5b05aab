"""A benchmark stopped half-way (SIGTERM, as a CI runner or `kill` sends) leaves none of its processes behind."""
import signal
import subprocess
import sys

import psutil
import pytest

from tests.support.processes import ROOT
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration


def test_a_terminated_benchmark_stops_the_system_it_started(tmp_path):
    with open(tmp_path / "bench.log", "wb") as log:
        bench = subprocess.Popen([sys.executable, "-m", "bench.run", "--rates", "2", "--duration", "120",
                                  "--no-ramp", "--ceiling-seconds", "0", "--crew-speed", "fast",
                                  "--results", str(tmp_path)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        parent = psutil.Process(bench.pid)
        # The five services, six department systems, mail catcher and SMS gateway, then the driving starts.
        started = wait_until(lambda: len(parent.children(recursive=True)) >= 13 and parent.children(recursive=True),
                             120, 0.5, "the benchmark's system started")
        wait_until(lambda: b"fixed-2" in (tmp_path / "bench.log").read_bytes(), 120, 0.5, "the driving started")
        bench.send_signal(signal.SIGTERM)
        bench.wait(90)
    finally:
        if bench.poll() is None:
            bench.kill()
    left = [p for p in started if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert left == [], [" ".join(p.cmdline()[:4]) for p in left]
    assert bench.returncode == 128 + signal.SIGTERM, (tmp_path / "bench.log").read_text(errors="replace")[-2000:]
