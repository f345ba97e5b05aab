"""What Forestry, Transportation and Code Enforcement share with every simulator: admin API, odd status feeds,
shutdown and restart. (test_legacy_all_systems.py checks the same for the first three systems, and the
crew that all of them share.)"""
import pytest
import requests

from services.workorders.adapters import build_client
from tests.integration.legacy.department_systems import (SERVICE_CODES, client_settings, own_backend,
                                                         simulator_arguments, transportation_vhost)


@pytest.fixture(scope="module")
def backends():
    """The broker vhost Transportation gets (Forestry uses its SQLite file, Code Enforcement no webhook)."""
    with transportation_vhost() as uri:
        yield {"forestry": None, "transportation": uri, "codeenforcement": None}


@pytest.fixture(scope="module", params=sorted(SERVICE_CODES))
def simulator(request, backends, launch_simulator):
    return launch_simulator(request.param, *simulator_arguments(request.param, backends[request.param]))


@pytest.fixture
def settings(simulator, backends, tmp_path):
    return client_settings(simulator, backends[simulator.name], tmp_path)


@pytest.fixture
def client(settings, simulator, wait_for):
    built = build_client(simulator.name, settings)
    wait_for(lambda: _answers(built), timeout=20)  # Transportation reaches its broker after /health answers
    return built


def _answers(client) -> bool:
    try:
        return client.find_by_reference("SR-warm-up") is None
    except Exception:
        return False


def changes_of(client, legacy_id: str, wait_for, count: int) -> list:
    """This work order's changes once ``count`` distinct ones have come through (bounded wait)."""
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


def test_admin_errors_and_faults_are_clear(simulator):
    unknown = requests.post(f"{simulator.url}/admin/advance", json={"legacy_id": "NOPE"}, timeout=5)
    assert unknown.status_code == 404 and "NOPE" in unknown.json()["error"]
    bad_fault = requests.post(f"{simulator.url}/admin/faults", json={"flaky": True}, timeout=5)
    assert bad_fault.status_code == 400 and "unknown fault 'flaky'" in bad_fault.json()["error"]
    shown = simulator.faults(down_for_seconds=30, slow_ms=100)
    assert shown["slow_ms"] == 100 and 29 < shown["down_for_seconds"] <= 30
    assert simulator.admin("GET", "/health") == {"status": "ok", "system": simulator.name, "down": True}
    assert simulator.faults(clear=True) == {"slow_ms": 0, "error_rate": 0.0, "malformed_rate": 0.0,
                                            "duplicate_status": False, "out_of_order_status": False,
                                            "down_for_seconds": 0.0}


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
    # Forestry's log and Code Enforcement's look-up repeat each change; Transportation's journal keeps a
    # repeated Sync document (same BODID) once
    assert len(mine) == (2 if simulator.name == "transportation" else 4)


def test_sigterm_stops_cleanly_and_a_restart_keeps_everything(simulator, launch_simulator, new_request, wait_for,
                                                              tmp_path):
    with own_backend(simulator.name) as backend:
        first = launch_simulator(simulator.name, *simulator_arguments(simulator.name, backend))
        client = build_client(simulator.name, client_settings(first, backend, tmp_path))
        wait_for(lambda: _answers(client), timeout=20)
        before = client.create(new_request(SERVICE_CODES[simulator.name]))
        first.admin("POST", "/admin/advance", {"legacy_id": before.legacy_id})
        assert first.stop() == 0 and "stopped" in first.log_path.read_text()

        second = launch_simulator(simulator.name, *simulator_arguments(simulator.name, backend),
                                  data_dir=first.data_dir)
        assert second.workorders(before.external_reference)[0]["legacy_id"] == before.legacy_id
        client = build_client(simulator.name, client_settings(second, backend, tmp_path))  # the same journal
        wait_for(lambda: _answers(client), timeout=20)
        after = client.create(new_request(SERVICE_CODES[simulator.name]))
        assert after.legacy_id > before.legacy_id  # the id sequence continues
        second.admin("POST", "/admin/advance", {"legacy_id": after.legacy_id})

        def changes_of_both():
            return {before.legacy_id, after.legacy_id} <= {c.legacy_id for c in client.fetch_changes(None)[0]}
        assert wait_for(changes_of_both)  # status keeps flowing, old and new, after the restart
        assert second.stop() == 0
