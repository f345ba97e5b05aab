"""Runs the simulated legacy systems as real subprocesses for the adapter tests.

Each simulator gets a free port, a temporary data dir and the fast crew; the
fixture waits (bounded) for /health and stops the process (SIGTERM, then kill).
"""
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from services.workorders.adapters import WorkOrderRequest

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT_SECONDS = 15


@dataclass
class RunningSimulator:
    """A simulator process and how to reach it."""

    name: str
    url: str
    data_dir: Path
    process: subprocess.Popen
    log_path: Path

    def admin(self, method: str, path: str, body: dict | None = None) -> dict:
        """Call the admin API and return its JSON (asserting success)."""
        response = requests.request(method, f"{self.url}{path}", json=body, timeout=5)
        assert response.ok, f"{method} {path}: HTTP {response.status_code} {response.text}"
        return response.json()

    def faults(self, **faults) -> dict:
        """Switch faults on (``clear=True`` first resets)."""
        return self.admin("POST", "/admin/faults", faults)

    def workorders(self, external_reference: str) -> list[dict]:
        """This reference's work orders from the admin view."""
        return self.admin("GET", f"/admin/workorders?external_reference={external_reference}")["workorders"]

    def wait_for_status(self, external_reference: str, statuses: set[str], timeout: float = 20) -> dict:
        """Poll the admin view until the work order reaches one of ``statuses`` (bounded)."""
        def reached():
            found = self.workorders(external_reference)
            return found and found[0]["status"] in statuses and found[0]
        return poll_until(reached, timeout)

    def stop(self) -> int:
        """SIGTERM, wait (bounded), kill if needed; the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                return self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait(timeout=10)


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_simulator(name: str, data_dir: Path, *extra: str) -> RunningSimulator:
    """Start ``python -m legacy_systems.<name>`` and wait until /health answers."""
    port = free_port()
    log_path = data_dir.parent / f"{data_dir.name}-{port}.log"
    command = [sys.executable, "-m", f"legacy_systems.{name}", "--port", str(port), "--data-dir", str(data_dir),
               "--crew-speed", "fast", *extra]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    simulator = RunningSimulator(name, f"http://127.0.0.1:{port}", data_dir, process, log_path)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if requests.get(f"{simulator.url}/health", timeout=1).ok:
                return simulator
        except requests.ConnectionError:
            time.sleep(0.1)
    simulator.stop()
    pytest.fail(f"{name} did not answer /health within {START_TIMEOUT_SECONDS}s:\n{log_path.read_text()}")


@pytest.fixture(scope="module")
def launch_simulator(tmp_path_factory):
    """A function starting a simulator for this test module; all are stopped afterwards."""
    started = []

    def launch(name: str, *extra: str, data_dir: Path | None = None) -> RunningSimulator:
        simulator = start_simulator(name, data_dir or tmp_path_factory.mktemp(name) / "data", *extra)
        started.append(simulator)
        return simulator

    yield launch
    for simulator in started:
        simulator.stop()


@pytest.fixture(autouse=True)
def reset_simulator(simulator):
    """After each test: faults cleared and the crew working again (each module defines ``simulator``)."""
    yield
    simulator.faults(clear=True)
    simulator.admin("POST", "/admin/crew", {"paused": False})


def poll_until(condition, timeout: float = 10):
    """``condition()`` once truthy, polling every 0.1 s (bounded; AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def wait_for():
    """``poll_until`` for tests: wait_for(condition, timeout=10)."""
    return poll_until


@pytest.fixture
def new_request():
    """A function making a WorkOrderRequest with a fresh tracking id."""
    def make(service_code: str, priority: str = "normal") -> WorkOrderRequest:
        return WorkOrderRequest(service_request_id=f"SR-{uuid.uuid4().hex[:12]}", service_code=service_code,
                                description="Reported through 311 (test)", address="55 Trinity Ave SW",
                                lat=33.748997, long=-84.387985, priority=priority)
    return make


@pytest.fixture
def check_lifecycle():
    """A function asserting one reference's changes run assigned .. closed in our words; returns them."""
    def check(changes, reference: str) -> list:
        mine = [change for change in changes if change.external_reference == reference]
        unique = list({change.change_id: change for change in mine}.values())
        statuses = [change.status for change in unique]
        assert statuses[0] == "assigned" and statuses[-1] == "closed", statuses
        assert "in_progress" in statuses and set(statuses) <= {"assigned", "in_progress", "on_hold", "closed"}
        assert unique[-1].resolution, "a closed change carries its resolution in plain words"
        assert all(change.changed_at.tzinfo is not None for change in unique)
        assert [c.changed_at for c in mine] == sorted(c.changed_at for c in mine)
        return mine
    return check
