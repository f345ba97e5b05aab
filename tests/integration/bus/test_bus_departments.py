"""Departments on direct events: their own queue, their own events only, status back to the public record, once."""
import itertools
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.integration.bus.pika_clients import DepartmentClient
from tests.support.bus import BusTap, get_one
from tests.support.waiting import wait_until

# far enough apart that routing never takes one for a duplicate of another (a system uses fewer than eight)
PLACES = itertools.cycle([(33.710641, -84.386717), (33.729949, -84.386969), (33.813341, -84.385115), (33.830208, -84.384849),
               (33.846177, -84.385020), (33.861133, -84.385122), (33.767326, -84.389247), (33.780154, -84.388925)])
ANSWERS = {"POTHOLE": {"attribute[SIZE]": "large"},
           "WATER_LEAK": {"attribute[LEAK_SIDE]": "city_side", "attribute[SEVERITY]": "steady"}}


def file(system, service_code, place=None):
    lat, long = place or next(PLACES)
    form = {"api_key": "dev-web-key", "service_code": service_code, "lat": lat, "long": long,
            "description": f"department test {uuid.uuid4().hex[:8]}", **ANSWERS[service_code]}
    response = system.post("intake", "/open311/v2/requests.json", data=form)
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


@pytest.fixture
def streets(system):
    client = DepartmentClient(system.amqp_uri, "PW-STREETS")
    client.wait_for_queue()
    yield client
    client.close()


@pytest.fixture
def watershed(system):
    client = DepartmentClient(system.amqp_uri, "WATERSHED")
    client.wait_for_queue()
    yield client
    client.close()


def routed(client, sid):
    return client.wait_for(lambda m: m.type == "department.routed.v1" and m.body["service_request_id"] == sid,
                           f"{client.department} to receive {sid}")[0]


def public(system, sid):
    return system.get("intake", f"/open311/v2/requests/{sid}.json", params={"extensions": "true"}).json()[0]


def test_a_department_queue_receives_only_its_own_events(system, streets, watershed):
    pothole, leak = file(system, "POTHOLE"), file(system, "WATER_LEAK")
    work_order = routed(streets, pothole)
    routed(watershed, leak)
    for client, other in ((streets, leak), (watershed, pothole)):
        assert client.received
        for message in client.received:
            assert message.body["department"] == client.department, message
            assert message.routing_key.startswith(f"department.{client.department}."), message.routing_key
            assert message.body["service_request_id"] != other
    assert work_order.routing_key == "department.PW-STREETS.routed"
    assert work_order.message_id == f"{work_order.body['work_order_id']}:routed"
    assert work_order.body["service_code"] == "POTHOLE" and work_order.body["priority"] in ("normal", "high")
    assert "email" not in work_order.body and "phone" not in work_order.body


def test_department_status_reaches_the_public_record_once(system, streets):
    with BusTap(system.amqp_uri) as tap:
        sid = file(system, "POTHOLE")
        order = routed(streets, sid).body["work_order_id"]
        wait_until(lambda: tap.of_type("WorkOrderCreated", sid), 60, 0.2, "the work order created")
        start = datetime.now(timezone.utc)
        assigned = streets.report(order, sid, "assigned", changed_at=start.isoformat())
        streets.report(order, sid, "assigned", update_id=assigned, changed_at=start.isoformat())  # sent again
        streets.report(order, sid, "in_progress", changed_at=(start + timedelta(minutes=5)).isoformat())
        streets.report(order, sid, "closed", changed_at=(start + timedelta(minutes=50)).isoformat(),
                       resolution="Pothole filled", resolution_code="FILL")
        record = wait_until(lambda: (r := public(system, sid))["status"] == "closed" and r, 60, 0.3,
                            f"{sid} closed on the public record")
        assert "Pothole filled" in record["status_notes"]
        wait_until(lambda: tap.of_type("RequestStatusChanged", sid) and
                   tap.of_type("RequestStatusChanged", sid)[-1]["data"]["stage"] == "closed", 30, 0.2, "the closing")
        assert [e["data"]["status"] for e in tap.of_type("WorkOrderUpdated", sid)] == ["assigned", "in_progress"]
        closed = tap.of_type("WorkOrderClosed", sid)
        assert len(closed) == 1 and closed[0]["data"]["resolution"] == "Pothole filled"
        assert closed[0]["data"]["work_order_system"] == "direct-streets"
    assert public(system, sid)["status"] == "closed"


def test_a_duplicate_report_is_told_to_the_department_as_merged(system, streets):
    place = next(PLACES)
    parent = file(system, "POTHOLE", place)
    order = routed(streets, parent).body["work_order_id"]
    duplicate = file(system, "POTHOLE", place)
    merged = streets.wait_for(lambda m: m.type == "department.merged.v1" and m.body["work_order_id"] == order,
                              f"the merge of {duplicate} into {order}")[0]
    assert merged.body["duplicate_request_id"] == duplicate
    assert merged.routing_key == "department.PW-STREETS.merged"
    assert not [m for m in streets.received if m.type == "department.routed.v1"
                and m.body["service_request_id"] == duplicate], "a duplicate got a work order of its own"


def dead_letter(system, predicate, what):
    def find():
        message = get_one(system.amqp_uri, "workorders.dlq", timeout=1)
        return message if message is not None and predicate(message) else None
    return wait_until(find, 60, 0.1, what)


def test_a_status_report_that_breaks_the_contract_is_dead_lettered_with_the_reason(system, streets):
    sid = file(system, "POTHOLE")
    order = routed(streets, sid).body["work_order_id"]
    broken = {"update_id": "broken-1", "work_order_id": order, "service_request_id": sid,
              "department": "PW-STREETS", "status": "closed", "changed_at": datetime.now(timezone.utc).isoformat()}
    streets.publish_status(broken)  # closed without saying what was done
    dead = dead_letter(system, lambda m: json.loads(m.body).get("update_id") == "broken-1", "the broken report")
    assert "resolution" in dead.headers["x-city311-error"]
    assert dead.headers["x-city311-queue"] == "departments.status.PW-STREETS"
    streets.publish_status(b"not json at all")
    dead = dead_letter(system, lambda m: m.body == b"not json at all", "the garbled report")
    assert "not JSON" in dead.headers["x-city311-error"]
    assert public(system, sid)["status"] == "open"
