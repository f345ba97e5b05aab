"""What every simulator and client share, checked on all six systems: admin API, crew, odd status feeds, shutdown
and restart."""
import time
from collections import Counter

import pytest
import requests

from services.workorders.adapters import TransientError, build_client
from tests.integration.legacy.department_systems import (SERVICE_CODES, client_settings, own_backend,
                                                         simulator_arguments)

NO_FAULTS = {"slow_ms": 0, "write_delay_ms": 0, "error_rate": 0.0, "malformed_rate": 0.0, "duplicate_status": False,
             "out_of_order_status": False, "down_for_seconds": 0.0, "writes_in_flight": 0}


@pytest.fixture(scope="module", params=sorted(SERVICE_CODES))
def system(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def backend(system):
    """What the system keeps to itself: Transportation's own broker vhost (Forestry uses its SQLite file, Code
    Enforcement sends no webhooks, the first three need nothing)."""
    with own_backend(system) as uri:
        yield uri


@pytest.fixture(scope="module")
def simulator(system, backend, launch_simulator):
    started = launch_simulator(system, *simulator_arguments(system, backend))
    yield started
    started.stop()  # before its backend goes, and so that one system runs at a time


@pytest.fixture
def client(simulator, backend, tmp_path, wait_for):
    return connected_client(simulator, backend, tmp_path, wait_for)


def connected_client(simulator, backend: str | None, journal_dir, wait_for):
    """The adapter client pointed at this simulator process, once it gets answers (bounded wait)."""
    client = build_client(simulator.name, client_settings(simulator, backend, journal_dir))
    if simulator.name == "transportation":  # it reaches its broker only after /health answers
        wait_for(lambda: _answers(client), timeout=20)
    return client


def _answers(client) -> bool:
    try:
        return client.find_by_reference("SR-warm-up") is None
    except TransientError:
        return False


def changes_of(client, legacy_id: str, wait_for, count: int) -> list:
    """This work order's changes once at least ``count`` distinct ones have come through (bounded wait)."""
    def enough():
        mine = [c for c in client.fetch_changes(None)[0] if c.legacy_id == legacy_id]
        return len({c.change_id for c in mine}) >= count and mine
    return wait_for(enough)


def test_admin_workorders_has_the_exact_shared_shape(simulator, client, new_request):
    request = new_request(SERVICE_CODES[simulator.name])
    created = client.create(request)
    listing = simulator.admin("GET", f"/admin/workorders?external_reference={request.service_request_id}")
    assert list(listing) == ["workorders"]
    [workorder] = listing["workorders"]
    assert set(workorder) == {"legacy_id", "external_reference", "status", "history"}
    assert (workorder["legacy_id"], workorder["external_reference"]) == (created.legacy_id, request.service_request_id)
    assert workorder["history"][0]["status"] == created.legacy_status
    for entry in workorder["history"]:
        assert set(entry) == {"status", "at"} and entry["at"].endswith("Z")
    everything = simulator.admin("GET", "/admin/workorders")["workorders"]
    assert created.legacy_id in {w["legacy_id"] for w in everything}


def test_paused_crew_waits_and_advance_steps_by_hand(simulator, client, new_request):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    request = new_request(SERVICE_CODES[simulator.name])
    created = client.create(request)
    time.sleep(1.2)  # longer than the fast crew's slowest step
    assert simulator.workorders(request.service_request_id)[0]["status"] == created.legacy_status
    stepped = simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id})
    assert stepped["status"] != created.legacy_status
    assert len(simulator.workorders(request.service_request_id)[0]["history"]) == 2


def test_admin_errors_are_clear(simulator):
    unknown = requests.post(f"{simulator.url}/admin/advance", json={"legacy_id": "NOPE"}, timeout=5)
    assert unknown.status_code == 404 and "NOPE" in unknown.json()["error"]
    bad_fault = requests.post(f"{simulator.url}/admin/faults", json={"flaky": True}, timeout=5)
    assert bad_fault.status_code == 400 and "unknown fault 'flaky'" in bad_fault.json()["error"]
    bad_rate = requests.post(f"{simulator.url}/admin/faults", json={"error_rate": 2}, timeout=5)
    assert bad_rate.status_code == 400 and "error_rate" in bad_rate.json()["error"]


def test_faults_are_shown_and_cleared(simulator):
    shown = simulator.faults(down_for_seconds=30, slow_ms=100)
    assert shown["slow_ms"] == 100 and 29 < shown["down_for_seconds"] <= 30
    assert simulator.admin("GET", "/health") == {"status": "ok", "system": simulator.name, "down": True}
    assert simulator.faults(clear=True) == NO_FAULTS
    assert simulator.admin("GET", "/admin/faults") == NO_FAULTS


def test_unknown_status_is_kept_as_unknown(simulator, client, new_request, wait_for):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    created = client.create(new_request(SERVICE_CODES[simulator.name]))
    simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id, "status": "QA"})
    assert {(c.status, c.legacy_status) for c in changes_of(client, created.legacy_id, wait_for, 1)} == \
        {("unknown", "QA")}


def test_repeated_and_reordered_feed_comes_back_sorted_with_equal_ids(simulator, client, new_request, wait_for):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    simulator.faults(duplicate_status=True, out_of_order_status=True)
    created = client.create(new_request(SERVICE_CODES[simulator.name]))
    for _ in range(2):
        simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id})
    mine = changes_of(client, created.legacy_id, wait_for, 2)
    assert [c.changed_at for c in mine] == sorted(c.changed_at for c in mine)
    assert [c.status for c in mine][0] == "assigned" and [c.status for c in mine][-1] == "in_progress"
    copies = sorted(Counter(c.change_id for c in mine).values())
    assert len(copies) == 2, copies
    if simulator.name == "transportation":  # its journal keeps a repeated Sync document (same BODID) once
        assert copies == [1, 1]
    elif simulator.name in ("forestry", "codeenforcement"):  # the log / the look-up: each change exactly twice
        assert copies == [2, 2]
    else:  # the polled systems: at least twice (Solid Waste's overlapping status files may repeat it more)
        assert min(copies) >= 2, copies


def test_sigterm_stops_cleanly_and_a_restart_keeps_everything(simulator, launch_simulator, new_request, wait_for,
                                                              tmp_path):
    with own_backend(simulator.name) as backend:
        arguments = simulator_arguments(simulator.name, backend)
        first = launch_simulator(simulator.name, *arguments)
        client = connected_client(first, backend, tmp_path, wait_for)
        before = client.create(new_request(SERVICE_CODES[simulator.name]))

        def moved_on():  # by the crew, before the SIGTERM
            [workorder] = first.workorders(before.external_reference)
            return workorder["status"] != before.legacy_status and workorder
        moved = wait_for(moved_on)
        assert first.stop() == 0 and "stopped" in first.log_path.read_text()

        second = launch_simulator(simulator.name, *arguments, data_dir=first.data_dir)
        [kept] = second.workorders(before.external_reference)
        assert kept["legacy_id"] == before.legacy_id
        assert kept["history"][:len(moved["history"])] == moved["history"]  # the crew only adds to it
        client = connected_client(second, backend, tmp_path, wait_for)  # Transportation: the same journal
        after = client.create(new_request(SERVICE_CODES[simulator.name]))
        assert after.legacy_id > before.legacy_id  # the id sequence continues

        def changes_of_both():
            return {before.legacy_id, after.legacy_id} <= {c.legacy_id for c in client.fetch_changes(None)[0]}
        assert wait_for(changes_of_both, timeout=20)  # status keeps flowing, old and new, after the restart
        assert second.stop() == 0
