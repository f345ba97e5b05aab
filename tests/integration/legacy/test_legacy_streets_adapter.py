"""The Streets (Cityworks-style) client against the real simulator process."""
import time

import pytest
import requests

from services.workorders.adapters import PermanentError, TransientError, build_client
from services.workorders.adapters.base import NoAnswer

TOKEN_TTL_SECONDS = 1.5


@pytest.fixture(scope="module")
def simulator(launch_simulator):
    return launch_simulator("streets", "--token-ttl", str(TOKEN_TTL_SECONDS))


@pytest.fixture
def client(simulator):
    return build_client("streets", {"url": simulator.url, "timeout_seconds": 1, "overlap_seconds": 60,
                                   "settle_seconds": 2})


def test_work_order_is_created_found_and_followed_to_closed(simulator, client, new_request, check_lifecycle):
    request = new_request("POTHOLE")
    created = client.create(request)
    assert created.legacy_id.startswith("WO-") and created.legacy_status == "OPEN"
    assert client.find_by_reference(request.service_request_id) == created

    simulator.wait_for_status(request.service_request_id, {"COMPLETE"})
    changes, cursor = client.fetch_changes(None)
    mine = check_lifecycle(changes, request.service_request_id)
    history = simulator.workorders(request.service_request_id)[0]["history"]
    assert [c.legacy_status for c in mine] == [h["status"] for h in history[1:]]  # OPEN is the creation itself

    again, _ = client.fetch_changes(cursor)  # the window overlaps the last poll by 60 s
    assert [c.change_id for c in again if c.external_reference == request.service_request_id] == \
        [c.change_id for c in mine]


def test_expired_token_is_renewed_transparently(simulator, client, new_request):
    request = new_request("SIDEWALK_DAMAGE")
    client.create(request)
    login = requests.post(f"{simulator.url}/api/Authentication/Authenticate",
                          json={"data": {"LoginName": "city311", "Password": "city311-dev"}}, timeout=5).json()
    time.sleep(TOKEN_TTL_SECONDS + 0.3)

    stale = requests.post(f"{simulator.url}/api/WorkOrder/Search",
                          json={"token": login["Value"]["Token"], "data": {"OtherSystemId": "x"}}, timeout=5).json()
    assert stale["Status"] == 2 and "expired" in stale["Message"]
    assert client.find_by_reference(request.service_request_id).external_reference == request.service_request_id


def test_wrong_password_is_transient(simulator):
    client = build_client("streets", {"url": simulator.url, "password": "wrong"})
    with pytest.raises(TransientError, match="login refused"):
        client.find_by_reference("SR-nothing")


def test_unknown_template_is_a_permanent_rejection_with_the_reason(simulator, new_request):
    client = build_client("streets", {"url": simulator.url, "category_map": {"POTHOLE": "9999"}})
    with pytest.raises(PermanentError, match="Unknown category '9999'"):
        client.create(new_request("POTHOLE"))


def test_service_code_without_mapping_is_permanent(client, new_request):
    with pytest.raises(PermanentError, match="no streets category for service code WATER_LEAK"):
        client.create(new_request("WATER_LEAK"))


def test_cancel_then_cancelled_change(simulator, client, new_request):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    request = new_request("CURB_DAMAGE")
    created = client.create(request)
    assert client.cancel(created.legacy_id, "Resident withdrew the request") is True
    assert simulator.workorders(request.service_request_id)[0]["status"] == "CANCEL"
    changes, _ = client.fetch_changes(None)
    assert [c.status for c in changes if c.legacy_id == created.legacy_id] == ["cancelled"]


def test_cancel_of_completed_work_is_refused(simulator, client, new_request):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    created = client.create(new_request("STREET_CRACK"))
    simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id, "status": "COMPLETE"})
    with pytest.raises(PermanentError, match="can no longer be cancelled"):
        client.cancel(created.legacy_id, "too late")


@pytest.mark.parametrize("fault", [{"down_for_seconds": 30}, {"slow_ms": 2500}, {"error_rate": 1.0},
                                   {"malformed_rate": 1.0}], ids=["down", "slow", "error", "malformed"])
@pytest.mark.parametrize("call", ["create", "find", "fetch"])
def test_each_fault_is_a_transient_error(simulator, client, new_request, fault, call):
    request = new_request("POTHOLE")
    client.find_by_reference("SR-warm-up")  # logged in before the fault, so the fault hits the call itself
    simulator.faults(**fault)
    operations = {"create": lambda: client.create(request), "find": lambda: client.find_by_reference("SR-x"),
                  "fetch": lambda: client.fetch_changes(None)}
    with pytest.raises(TransientError):
        operations[call]()
    assert simulator.admin("GET", "/health")["status"] == "ok"  # admin keeps working during faults


def test_reply_lost_after_create_is_recovered_by_lookup(simulator, client, new_request):
    request = new_request("POTHOLE")
    client.find_by_reference("SR-warm-up")  # logged in, so the fault hits the create reply itself
    simulator.faults(malformed_rate=1.0)
    with pytest.raises(TransientError, match="malformed"):
        client.create(request)
    simulator.faults(clear=True)
    found = client.find_by_reference(request.service_request_id)  # what the service does before retrying
    assert found is not None and len(simulator.workorders(request.service_request_id)) == 1


def settling_client(simulator, seconds):
    return build_client("streets", {"url": simulator.url, "timeout_seconds": 1, "settle_seconds": seconds})


def test_a_create_committed_after_our_timeout_is_found_while_the_system_settles_not_created_twice(
        simulator, new_request):
    request = new_request("POTHOLE")
    client = settling_client(simulator, seconds=8)
    client.find_by_reference("SR-warm-up")  # logged in before the fault, so the fault holds the create itself
    simulator.faults(write_delay_ms=2500)  # longer than the client's 1 s timeout
    created = client.create(request)
    assert created.external_reference == request.service_request_id
    assert [o["legacy_id"] for o in simulator.workorders(request.service_request_id)] == [created.legacy_id]
    assert client.find_by_reference(request.service_request_id) == created


def test_a_create_that_has_not_settled_within_the_settle_time_is_reported_as_no_answer_and_lands_once(
        simulator, new_request, wait_for):
    request = new_request("POTHOLE")
    client = settling_client(simulator, seconds=0.5)
    client.find_by_reference("SR-warm-up")
    simulator.faults(write_delay_ms=3000)
    with pytest.raises(NoAnswer):  # the caller's retry looks it up again before creating
        client.create(request)
    wait_for(lambda: simulator.admin("GET", "/admin/faults")["writes_in_flight"] == 0, 10)
    assert len(simulator.workorders(request.service_request_id)) == 1
