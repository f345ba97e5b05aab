"""What every simulator and client share, checked on all three: admin API, odd status feeds, shutdown."""
import time
from collections import Counter

import pytest
import requests

from services.workorders.adapters import build_client

SERVICE_CODES = {"streets": "POTHOLE", "watershed": "WATER_LEAK", "solidwaste": "MISSED_PICKUP"}


@pytest.fixture(scope="module", params=sorted(SERVICE_CODES))
def simulator(request, launch_simulator):
    return launch_simulator(request.param)


def client_for(simulator):
    """The adapter client pointed at this simulator process."""
    settings = {"data_dir": str(simulator.data_dir)} if simulator.name == "solidwaste" else {"url": simulator.url}
    return build_client(simulator.name, settings)


@pytest.fixture
def client(simulator):
    return client_for(simulator)


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
    assert bad_rate.status_code == 400


def test_faults_are_shown_and_cleared(simulator):
    shown = simulator.faults(down_for_seconds=30, slow_ms=100)
    assert shown["slow_ms"] == 100 and 29 < shown["down_for_seconds"] <= 30
    health = simulator.admin("GET", "/health")
    assert health == {"status": "ok", "system": simulator.name, "down": True}
    assert simulator.faults(clear=True) == simulator.admin("GET", "/admin/faults")
    assert simulator.admin("GET", "/admin/faults") == {
        "slow_ms": 0, "error_rate": 0.0, "malformed_rate": 0.0, "duplicate_status": False,
        "out_of_order_status": False, "down_for_seconds": 0.0}


def test_unknown_status_is_kept_as_unknown(simulator, client, new_request, wait_for):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    created = client.create(new_request(SERVICE_CODES[simulator.name]))
    simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id, "status": "QA"})

    def changes():
        return [c for c in client.fetch_changes(None)[0] if c.legacy_id == created.legacy_id]
    assert {(c.status, c.legacy_status) for c in wait_for(changes)} == {("unknown", "QA")}


def test_repeated_and_reordered_feed_comes_back_sorted_with_equal_ids(simulator, client, new_request, wait_for):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    simulator.faults(duplicate_status=True, out_of_order_status=True)
    created = client.create(new_request(SERVICE_CODES[simulator.name]))
    for _ in range(2):
        simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id})

    def both_changes():
        mine = [c for c in client.fetch_changes(None)[0] if c.legacy_id == created.legacy_id]
        return len({c.change_id for c in mine}) == 2 and mine
    mine = wait_for(both_changes)
    assert [c.changed_at for c in mine] == sorted(c.changed_at for c in mine)
    assert [c.status for c in mine][0] == "assigned" and [c.status for c in mine][-1] == "in_progress"
    assert min(Counter(c.change_id for c in mine).values()) >= 2


def test_sigterm_stops_cleanly_and_a_restart_keeps_everything(simulator, launch_simulator, new_request, wait_for):
    first = launch_simulator(simulator.name)
    before = client_for(first).create(new_request(SERVICE_CODES[simulator.name]))
    wait_for(lambda: first.workorders(before.external_reference)[0]["status"] != before.legacy_status)
    assert first.stop() == 0 and "stopped" in first.log_path.read_text()

    second = launch_simulator(simulator.name, data_dir=first.data_dir)
    assert second.workorders(before.external_reference)[0]["legacy_id"] == before.legacy_id
    after = client_for(second).create(new_request(SERVICE_CODES[simulator.name]))
    assert after.legacy_id > before.legacy_id  # the id sequence continues

    def changes_of_both():
        seen = {c.legacy_id for c in client_for(second).fetch_changes(None)[0]}
        return {before.legacy_id, after.legacy_id} <= seen
    assert wait_for(changes_of_both)  # status keeps flowing, old and new, after the restart
