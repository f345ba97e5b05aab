"""The routing service's handlers, one worker at a time, with the sample jurisdiction and real SQLite."""
import json

import pytest

from services.routing.domain.jurisdiction import load_jurisdiction
from shared.config import PROJECT_ROOT
from tests.unit.routing.test_routing_triage_desk import reading, routing_worker, staff_action
from tests.unit.services.conftest import event, outbox_events

SAMPLE = load_jurisdiction(PROJECT_ROOT / "deploy" / "jurisdictions" / "sample")
DOWNTOWN = {"lat": 33.7490, "long": -84.3880}


@pytest.fixture
def routing(unit_of_work):
    return routing_worker(unit_of_work("routing"), SAMPLE)


def created(request_id, **data):
    return event("RequestCreated", correlation_id=request_id, service_request_id=request_id,
                 attributes={"SIZE": "large"}, **{**DOWNTOWN, **data})


def published(routing, event_type):
    return [e["data"] for e in outbox_events(routing.uow) if e["event_type"] == event_type]


def test_a_pothole_is_routed_to_streets_with_a_due_time(routing):
    routing.route_request(created("26-0000001"))
    (routed,) = published(routing, "RequestRouted")
    assert (routed["department"], routed["work_order_system"]) == ("PW-STREETS", "streets")
    assert routed["district"] and routed["due_at"] and routed["rule_id"]


def test_a_second_report_nearby_is_a_duplicate_and_a_redelivery_is_ignored(routing):
    routing.route_request(created("26-0000001"))
    second = created("26-0000002", lat=33.74902, long=-84.38802)
    routing.route_request(second)
    routing.route_request(second)
    (dup,) = published(routing, "RequestDuplicateDetected")
    assert dup["parent_request_id"] == "26-0000001"
    assert len(published(routing, "RequestRouted")) == 1


def test_outside_the_city_waits_in_triage_and_staff_route_it_by_hand(routing):
    routing.route_request(created("26-0000003", lat=40.7, long=-74.0))
    (triage,) = published(routing, "RequestNeedsTriage")
    assert triage["reason_code"] == "OUTSIDE_CITY"
    listed = json.loads(routing.get_triage(reading())[2])["triage"]
    assert [t["service_request_id"] for t in listed] == ["26-0000003"]

    status, _, body = routing.route_by_hand(
        staff_action({"department": "PW-STREETS", "reason": "annexed street"}, staff="supervisor1"), "26-0000003")
    assert status == 200, body
    (routed,) = published(routing, "RequestRouted")
    assert routed["manual"] and routed["routed_by"] == "supervisor1" and "annexed street" in routed["explanation"]


def test_manual_routing_refuses_unknown_departments_and_requests(routing):
    routing.route_request(created("26-0000001"))
    bad_department = {"department": "NOPE", "reason": "r"}
    supervisor = {"staff": "supervisor1", "role": "supervisor"}   # re-routing a routed request is theirs
    assert routing.route_by_hand(staff_action(bad_department, **supervisor), "26-0000001")[0] == 400
    assert routing.route_by_hand(staff_action(bad_department, **supervisor), "26-9999999")[0] == 404
    assert routing.route_by_hand(staff_action("not json", **supervisor), "26-0000001")[0] == 400
    assert routing.route_by_hand(staff_action("{}", **supervisor), "26-0000001")[0] == 400
    status, _, body = routing.route_by_hand(staff_action({"department": "PW-WATERSHED", "reason": "r"}),
                                            "26-0000001")
    assert status == 403 and "supervisor" in body   # a call-taker may route triage only, and is told who may
