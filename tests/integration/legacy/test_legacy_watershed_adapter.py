"""The Watershed (SOAP 1.1) client against the real simulator process."""
import xml.etree.ElementTree as ET

import pytest
import requests

from services.workorders.adapters import PermanentError, TransientError, build_client
from services.workorders.adapters.base import NoAnswer
from services.workorders.adapters.soap_messages import SOAP, WMS, build_envelope, operation, wms

SERVICE_PATH = "/WorkOrderService.asmx"


@pytest.fixture(scope="module")
def simulator(launch_simulator):
    return launch_simulator("watershed")


@pytest.fixture
def client(simulator):
    return build_client("watershed", {"url": simulator.url, "timeout_seconds": 1, "overlap_seconds": 60,
                                   "settle_seconds": 2})


def post_envelope(simulator, action: str, payload: ET.Element, password: str = "city311-dev"):
    """A raw SOAP call, for what the client never sends."""
    return requests.post(f"{simulator.url}{SERVICE_PATH}", data=build_envelope("city311", password, payload),
                         headers={"Content-Type": "text/xml", "SOAPAction": f'"{WMS}/{action}"'}, timeout=5)


def test_work_order_is_created_found_and_followed_to_closed(simulator, client, new_request, check_lifecycle):
    request = new_request("WATER_LEAK", priority="emergency")
    created = client.create(request)
    assert created.legacy_id.isdigit() and created.legacy_id.startswith("77")
    assert created.legacy_status == "RECEIVED"
    assert client.find_by_reference(request.service_request_id) == created
    assert client.find_by_reference("SR-never-sent") is None

    simulator.wait_for_status(request.service_request_id, {"RESOLVED"})
    changes, cursor = client.fetch_changes(None)
    mine = check_lifecycle(changes, request.service_request_id)
    again, _ = client.fetch_changes(cursor)  # the next window starts 60 s before this one ended
    assert [c.change_id for c in again if c.external_reference == request.service_request_id] == \
        [c.change_id for c in mine]


def test_unknown_asset_category_is_a_client_fault_with_the_reason(simulator, new_request):
    client = build_client("watershed", {"url": simulator.url, "category_map": {"NO_WATER": "BOGUS"}})
    with pytest.raises(PermanentError, match="Unknown category 'BOGUS'"):
        client.create(new_request("NO_WATER"))


def test_bad_credentials_are_transient(simulator):
    client = build_client("watershed", {"url": simulator.url, "password": "wrong"})
    with pytest.raises(TransientError, match="AUTH_FAILED"):
        client.find_by_reference("SR-x")


def test_batch_is_all_or_nothing(simulator):
    batch = ET.Element(wms("Batch"))
    batch.append(operation("CreateWorkOrder", {"ExternalRef": "SR-batch-ok", "AssetCategory": "SVC-LEAK",
                                               "Description": "leak"}))
    batch.append(operation("CreateWorkOrder", {"ExternalRef": "SR-batch-bad", "AssetCategory": "SVC-LEAK"}))
    response = post_envelope(simulator, "Batch", batch)
    assert response.status_code == 500
    fault = ET.fromstring(response.content).find(f"{{{SOAP}}}Body/{{{SOAP}}}Fault")
    assert fault.findtext("faultcode") == "soap:Client"
    assert fault.findtext("faultstring") == "Operation 1 (CreateWorkOrder): Description is required"
    assert simulator.workorders("SR-batch-ok") == []


def test_window_longer_than_allowed_is_refused(simulator):
    window = operation("GetStatusChanges", {"From": "2026-01-01T00:00:00Z", "To": "2026-01-03T00:00:00Z"})
    fault = ET.fromstring(post_envelope(simulator, "GetStatusChanges", window).content)
    assert "at most 24 hours" in fault.findtext(f".//{{{SOAP}}}Fault/faultstring")


def test_wsdl_is_served(simulator):
    wsdl = requests.get(f"{simulator.url}{SERVICE_PATH}?wsdl", timeout=5)
    assert wsdl.ok and f'location="{simulator.url}{SERVICE_PATH}"' in wsdl.text


def test_cancel_then_voided_is_our_cancelled(simulator, client, new_request):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    created = client.create(new_request("HYDRANT_DAMAGED"))
    assert client.cancel(created.legacy_id, "Duplicate of another report") is True
    changes, _ = client.fetch_changes(None)
    assert [(c.legacy_status, c.status) for c in changes if c.legacy_id == created.legacy_id] == \
        [("VOIDED", "cancelled")]


def test_cancel_of_resolved_work_is_refused(simulator, client, new_request):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    created = client.create(new_request("WATER_METER_BROKEN"))
    simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id, "status": "RESOLVED"})
    with pytest.raises(PermanentError, match="can no longer be cancelled"):
        client.cancel(created.legacy_id, "too late")


@pytest.mark.parametrize("fault", [{"down_for_seconds": 30}, {"slow_ms": 2500}, {"error_rate": 1.0},
                                   {"malformed_rate": 1.0}], ids=["down", "slow", "error", "malformed"])
@pytest.mark.parametrize("call", ["create", "find", "fetch"])
def test_each_fault_is_a_transient_error(simulator, client, new_request, fault, call):
    request = new_request("SEWER_BACKUP")
    simulator.faults(**fault)
    operations = {"create": lambda: client.create(request), "find": lambda: client.find_by_reference("SR-x"),
                  "fetch": lambda: client.fetch_changes(None)}
    with pytest.raises(TransientError):
        operations[call]()


def settling_client(simulator, seconds):
    return build_client("watershed", {"url": simulator.url, "timeout_seconds": 1, "settle_seconds": seconds})


def test_a_create_committed_after_our_timeout_is_found_while_the_system_settles_not_created_twice(
        simulator, new_request):
    request = new_request("WATER_LEAK")
    client = settling_client(simulator, seconds=8)
    client.find_by_reference("SR-warm-up")  # logged in before the fault, so the fault holds the create itself
    simulator.faults(write_delay_ms=2500)  # longer than the client's 1 s timeout
    created = client.create(request)
    assert created.external_reference == request.service_request_id
    assert [o["legacy_id"] for o in simulator.workorders(request.service_request_id)] == [created.legacy_id]
    assert client.find_by_reference(request.service_request_id) == created


def test_a_create_that_has_not_settled_within_the_settle_time_is_reported_as_no_answer_and_lands_once(
        simulator, new_request, wait_for):
    request = new_request("WATER_LEAK")
    client = settling_client(simulator, seconds=0.5)
    client.find_by_reference("SR-warm-up")
    simulator.faults(write_delay_ms=3000)
    with pytest.raises(NoAnswer):  # the caller's retry looks it up again before creating
        client.create(request)
    wait_for(lambda: simulator.admin("GET", "/admin/faults")["writes_in_flight"] == 0, 10)
    assert len(simulator.workorders(request.service_request_id)) == 1
