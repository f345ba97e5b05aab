"""Staff actions on routing's HTTP API, one worker at a time, with the sample jurisdiction and real SQLite:
un-marking a false duplicate, refusing actions a request's state forbids, explaining a decision."""
import json

import pytest
from nameko.testing.services import worker_factory

from services.routing.domain import load_jurisdiction
from services.routing.service import RoutingService
from tests.unit.services.conftest import event, outbox_events, unit_of_work  # noqa: F401 (fixture)

DOWNTOWN = {"lat": 33.7490, "long": -84.3880}
NEXT_DOOR = {"lat": 33.74902, "long": -84.38802}


class Body:
    """The part of a werkzeug request the HTTP entrypoints read."""

    def __init__(self, body):
        self.body = body if isinstance(body, str) else json.dumps(body)

    def get_data(self, as_text=False):
        return self.body


@pytest.fixture
def routing(unit_of_work, sample):  # noqa: F811
    return worker_factory(RoutingService, uow=unit_of_work("routing"), jurisdiction=sample)


def created(request_id, where=DOWNTOWN, **data):
    return event("RequestCreated", correlation_id=request_id, service_request_id=request_id,
                 **{"attributes": {"SIZE": "large"}, **where, **data})


def published(routing, event_type):
    return [e["data"] for e in outbox_events(routing.uow) if e["event_type"] == event_type]


def answer(response):
    status, _, body = response
    return status, json.loads(body)


def test_a_false_duplicate_is_unmarked_and_routed_by_the_rules_with_who_and_why(routing):
    routing.route_request(created("26-0000001"))
    routing.route_request(created("26-0000002", NEXT_DOOR))
    assert answer(routing.get_decision(None, "26-0000002"))[1]["outcome"] == "duplicate"

    status, body = answer(routing.not_a_duplicate(
        Body({"staff": "calltaker7", "reason": "other side of the street"}), "26-0000002"))

    assert (status, body["outcome"]) == (200, "routed")
    second = [r for r in published(routing, "RequestRouted") if r["service_request_id"] == "26-0000002"]
    assert len(second) == 1
    assert second[0]["routed_by"] == "calltaker7" and second[0]["rule_id"] == "pothole"
    assert "Not a duplicate of 26-0000001" in second[0]["explanation"]
    assert "other side of the street" in second[0]["explanation"]
    record = answer(routing.get_decision(None, "26-0000002"))[1]
    assert (record["outcome"], record["parent_request_id"], record["department"]) == ("routed", None, "PW-STREETS")


def test_only_a_duplicate_can_be_unmarked(routing):
    routing.route_request(created("26-0000001"))
    status, body = answer(routing.not_a_duplicate(Body({"staff": "s", "reason": "r"}), "26-0000001"))
    assert status == 409 and "not marked as a duplicate" in body["error"]
    assert answer(routing.not_a_duplicate(Body({"staff": "s", "reason": "r"}), "26-9999999"))[0] == 404
    assert answer(routing.not_a_duplicate(Body({"staff": "s"}), "26-0000001")) == (400, {"error": "missing: reason"})


def test_when_the_parent_closes_its_duplicates_close_and_nothing_closed_can_be_rerouted(routing):
    routing.route_request(created("26-0000001"))
    routing.route_request(created("26-0000002", NEXT_DOOR))
    routing.on_work_order_closed(event("WorkOrderClosed", correlation_id="26-0000001",
                                       service_request_id="26-0000001"))

    for sid in ("26-0000001", "26-0000002"):
        assert answer(routing.get_decision(None, sid))[1]["open"] is False
    reroute = Body({"department": "WATERSHED", "staff": "s", "reason": "r"})
    status, body = answer(routing.route_by_hand(reroute, "26-0000001"))
    assert status == 409 and "closed" in body["error"]
    # A new report at the same spot is no longer anyone's duplicate.
    routing.route_request(created("26-0000003", NEXT_DOOR))
    assert answer(routing.get_decision(None, "26-0000003"))[1]["outcome"] == "routed"


@pytest.mark.parametrize("body, problem", [
    ("[1, 2]", "must be a JSON object"),
    ({"department": "PW-STREETS", "staff": "s", "reason": "r" * 301}, "'reason' must be text of at most 300"),
    ({"department": "PW-STREETS", "staff": ["s"], "reason": "r"}, "'staff' must be text"),
    ({"department": "PW-STREETS", "staff": "s", "reason": "r", "priority": "urgent"}, "unknown priority 'urgent'"),
])
def test_a_bad_staff_action_gets_a_400_naming_the_problem(routing, body, problem):
    routing.route_request(created("26-0000001"))
    status, answered = answer(routing.route_by_hand(Body(body), "26-0000001"))
    assert status == 400 and problem in answered["error"]
    assert len(published(routing, "RequestRouted")) == 1


def test_a_decision_is_explained_by_its_rule_and_escalation(routing):
    routing.route_request(created("26-0000001", attributes={"SIZE": "large", "LANE": "travel_lane"}))
    status, record = answer(routing.get_decision(None, "26-0000001"))
    assert status == 200
    assert (record["rule_id"], record["priority"], record["decided_by"]) == ("pothole", "high", "routing")
    assert "Escalated by 'pothole-large-in-travel-lane'" in record["explanation"]
    assert record["due_at"] > record["requested_at"]
    assert answer(routing.get_decision(None, "26-0000404"))[0] == 404


def test_a_manual_priority_is_kept(routing):
    routing.route_request(created("26-0000001", {"lat": 40.7, "long": -74.0}))
    body = {"department": "WATERSHED", "staff": "sup1", "reason": "city-owned pipe", "priority": "emergency"}
    assert routing.route_by_hand(Body(body), "26-0000001")[0] == 200
    (routed,) = published(routing, "RequestRouted")
    assert (routed["priority"], routed["department"], routed["manual"]) == ("emergency", "WATERSHED", True)


def test_an_explanation_longer_than_the_event_allows_is_cut_not_refused(unit_of_work, broken_copy):  # noqa: F811
    long_note = "Watershed inspects to find out which side of the meter is leaking." * 20
    city = load_jurisdiction(broken_copy(
        "routing_rules.yaml", "note: Watershed inspects to find out which side of the meter is leaking.",
        f"note: {long_note}"))
    routing = worker_factory(RoutingService, uow=unit_of_work("routing"), jurisdiction=city)
    routing.route_request(created("26-0000001", attributes={"LEAK_SIDE": "unknown", "SEVERITY": "steady"},
                                  service_code="WATER_LEAK"))
    (routed,) = published(routing, "RequestRouted")
    assert len(routed["explanation"]) == 1000 and routed["explanation"].endswith("…")
    assert routed["explanation"].startswith("WATER_LEAK goes to Watershed Management by rule 'water-leak'")
