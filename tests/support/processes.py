"""Real city311 processes for integration tests: started, health-checked, killed (-9 if asked), restarted."""
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from tests.support.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
NAMEKO = str(Path(sys.executable).parent / "nameko")


_HANDED_OUT = set()


def free_port():
    """A port free now and never handed out before in this process: the kernel may offer a just-closed
    port again, and a system picks all its ports before any of its processes binds one."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


class Process:
    """One child process with its log in a file, so a failing test can show what it said."""

    def __init__(self, name, argv, env, health_url, log_dir):
        self.name, self.argv, self.env, self.health_url = name, argv, env, health_url
        self.log_path = Path(log_dir) / f"{name}.log"
        self.popen = None

    def start(self, wait=True, timeout=60):
        """Start it and (with `wait`) wait until it is healthy; one that never gets healthy is stopped, not left
        running: an orphan keeps reconnecting to a vhost its test has deleted, and the broker's accept loop
        slows for everyone after it (a run of such orphans made every later test's services time out)."""
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        if wait:
            try:
                self.wait_healthy(timeout)
            except BaseException:
                self.stop()
                raise
        return self

    def wait_healthy(self, timeout=60):
        def healthy():
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.popen.returncode}:\n{self.tail()}")
            return requests.get(self.health_url, timeout=1).status_code == 200
        try:
            wait_until(healthy, timeout, 0.2, f"{self.name} at {self.health_url}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- {self.name} log ---\n{self.tail()}") from None

    def kill(self, sig=signal.SIGKILL):
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)
            self.popen.wait(30)

    def stop(self):
        """SIGTERM (a clean nameko shutdown), then SIGKILL if it lingers."""
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines=60):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"


def nameko_process(service, env, port, log_dir):
    argv = [NAMEKO, "run", "--config", f"deploy/config/{service}.yaml", f"services.{service}.service"]
    return Process(service, argv, env, f"http://127.0.0.1:{port}/health", log_dir)
