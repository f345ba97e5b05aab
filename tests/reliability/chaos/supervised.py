"""The chaos run's processes under supervisord (shared/supervision.py, as `make run`), read over XML-RPC.

"Every process is running again" is then tested for real: a process killed by a fault
must be brought back by the supervisor, not by the test.
"""
import os
import signal
import subprocess
import time

from shared.supervision import Program, Supervisord, rpc
from tests.support.waiting import wait_until


def programs_for(processes, env, cwd, overrides=None):
    """Programs for tests.support Process objects; each gets what its environment adds to this process's
    (supervisord passes its own environment on), plus `overrides[name]`."""
    added = {k: v for k, v in env.items() if os.environ.get(k) != v}
    return [Program(p.name, tuple(p.argv), {**added, **(overrides or {}).get(p.name, {})}, str(cwd))
            for p in processes]


class Supervisor:
    """supervisord as a child of the run (not daemonized: it goes when the run goes), and what it says."""

    def __init__(self, programs, run_dir, log_dir):
        self.supervisord = Supervisord(programs, run_dir, log_dir)

    def start(self):
        self.supervisord.start(timeout=60)
        return self

    def states(self):
        """{program: (state name, pid)} as supervisord reports them."""
        infos = rpc(self.supervisord.run_dir).supervisor.getAllProcessInfo()
        return {p["name"]: (p["statename"], p["pid"]) for p in infos}

    def not_running(self):
        """Programs not RUNNING now, with their state."""
        return {name: state for name, (state, _) in self.states().items() if state != "RUNNING"}

    def kill(self, name, sig=signal.SIGKILL):
        """Kill a program's process from outside, as the kernel's OOM killer or an operator would."""
        pid = self.states()[name][1]
        if pid:
            os.kill(pid, sig)
        return pid

    def stop(self, timeout=60):
        """Every program stopped (SIGTERM, then SIGKILL to the group), then supervisord itself."""
        popen = self.supervisord.popen
        if popen is None or popen.poll() is not None:
            return
        try:
            self.supervisord.stop(timeout)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait(10)


def wait_all_running(supervisor, timeout, interval=0.5):
    """Seconds until every program is RUNNING; raises TimedOut naming the ones that are not."""
    started = time.monotonic()
    wait_until(lambda: not supervisor.not_running(), timeout, interval, "every supervised program RUNNING")
    return time.monotonic() - started
