"""Staff actions on routing's HTTP API, one worker at a time, with the sample jurisdiction and real SQLite:
un-marking a false duplicate, refusing actions a request's state forbids, explaining a decision."""
import json

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder

from services.routing.domain import load_jurisdiction
from services.routing.service import RoutingService
from shared.internal_api import ServiceTokens, service_secret
from tests.unit.services.conftest import event, outbox_events, unit_of_work  # noqa: F401 (fixture)

DOWNTOWN = {"lat": 33.7490, "long": -84.3880}
NEXT_DOOR = {"lat": 33.74902, "long": -84.38802}


INTAKE = ServiceTokens(service_secret(), "intake")   # the console's side of routing's staff API


def staff_action(body, staff="calltaker7", role="call_taker", content_type="application/json", headers=None):
    """A staff action as the console sends it: JSON, with a service token acting for `staff`."""
    return EnvironBuilder(method="POST", data=body if isinstance(body, str) else json.dumps(body),
                          content_type=content_type,
                          headers=INTAKE.headers("routing", staff, role) if headers is None else headers).get_request()


def reading(headers=None):
    """A GET from the console, with a service token acting for a signed-in call-taker."""
    return EnvironBuilder(headers=INTAKE.headers("routing", "calltaker7", "call_taker") if headers is None
                          else headers).get_request()


def routing_worker(uow, jurisdiction, **tokens):
    return worker_factory(RoutingService, uow=uow, jurisdiction=jurisdiction,
                          service_auth=ServiceTokens(service_secret(), "routing", **tokens))


@pytest.fixture
def routing(unit_of_work, sample):  # noqa: F811
    return routing_worker(unit_of_work("routing"), sample)


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
    assert answer(routing.get_decision(reading(), "26-0000002"))[1]["outcome"] == "duplicate"

    status, body = answer(routing.not_a_duplicate(
        staff_action({"reason": "other side of the street"}), "26-0000002"))

    assert (status, body["outcome"]) == (200, "routed")
    second = [r for r in published(routing, "RequestRouted") if r["service_request_id"] == "26-0000002"]
    assert len(second) == 1
    assert second[0]["routed_by"] == "calltaker7" and second[0]["rule_id"] == "pothole"
    assert "Not a duplicate of 26-0000001" in second[0]["explanation"]
    assert "other side of the street" in second[0]["explanation"]
    record = answer(routing.get_decision(reading(), "26-0000002"))[1]
    assert (record["outcome"], record["parent_request_id"], record["department"]) == ("routed", None, "PW-STREETS")


def test_only_a_duplicate_can_be_unmarked(routing):
    routing.route_request(created("26-0000001"))
    status, body = answer(routing.not_a_duplicate(staff_action({"reason": "r"}), "26-0000001"))
    assert status == 409 and "not marked as a duplicate" in body["error"]
    assert answer(routing.not_a_duplicate(staff_action({"reason": "r"}), "26-9999999"))[0] == 404
    assert answer(routing.not_a_duplicate(staff_action({}), "26-0000001")) == (400, {"error": "missing: reason"})


def test_when_the_parent_closes_its_duplicates_close_and_nothing_closed_can_be_rerouted(routing):
    routing.route_request(created("26-0000001"))
    routing.route_request(created("26-0000002", NEXT_DOOR))
    routing.on_work_order_closed(event("WorkOrderClosed", correlation_id="26-0000001",
                                       service_request_id="26-0000001"))

    for sid in ("26-0000001", "26-0000002"):
        assert answer(routing.get_decision(reading(), sid))[1]["open"] is False
    reroute = staff_action({"department": "WATERSHED", "reason": "r"})
    status, body = answer(routing.route_by_hand(reroute, "26-0000001"))
    assert status == 409 and "closed" in body["error"]
    # A new report at the same spot is no longer anyone's duplicate.
    routing.route_request(created("26-0000003", NEXT_DOOR))
    assert answer(routing.get_decision(reading(), "26-0000003"))[1]["outcome"] == "routed"


@pytest.mark.parametrize("body, problem", [
    ("[1, 2]", "must be a JSON object"),
    ({"department": "PW-STREETS", "reason": "r" * 301}, "'reason' must be text of at most 300"),
    ({"department": "PW-STREETS", "reason": ["r"]}, "'reason' must be text"),
    ({"department": "PW-STREETS", "reason": "r", "priority": "urgent"}, "unknown priority 'urgent'"),
])
def test_a_bad_staff_action_gets_a_400_naming_the_problem(routing, body, problem):
    routing.route_request(created("26-0000001"))
    status, answered = answer(routing.route_by_hand(staff_action(body), "26-0000001"))
    assert status == 400 and problem in answered["error"]
    assert len(published(routing, "RequestRouted")) == 1


def test_a_decision_is_explained_by_its_rule_and_escalation(routing):
    routing.route_request(created("26-0000001", attributes={"SIZE": "large", "LANE": "travel_lane"}))
    status, record = answer(routing.get_decision(reading(), "26-0000001"))
    assert status == 200
    assert (record["rule_id"], record["priority"], record["decided_by"]) == ("pothole", "high", "routing")
    assert "Escalated by 'pothole-large-in-travel-lane'" in record["explanation"]
    assert record["due_at"] > record["requested_at"]
    assert answer(routing.get_decision(reading(), "26-0000404"))[0] == 404


def test_a_manual_priority_is_kept(routing):
    routing.route_request(created("26-0000001", {"lat": 40.7, "long": -74.0}))
    body = {"department": "WATERSHED", "reason": "city-owned pipe", "priority": "emergency"}
    assert routing.route_by_hand(staff_action(body, staff="sup1", role="supervisor"), "26-0000001")[0] == 200
    (routed,) = published(routing, "RequestRouted")
    assert (routed["priority"], routed["department"], routed["manual"]) == ("emergency", "WATERSHED", True)


def test_an_explanation_longer_than_the_event_allows_is_cut_not_refused(unit_of_work, broken_copy):  # noqa: F811
    long_note = "Watershed inspects to find out which side of the meter is leaking." * 20
    city = load_jurisdiction(broken_copy(
        "routing_rules.yaml", "note: Watershed inspects to find out which side of the meter is leaking.",
        f"note: {long_note}"))
    routing = routing_worker(unit_of_work("routing"), city)
    routing.route_request(created("26-0000001", attributes={"LEAK_SIDE": "unknown", "SEVERITY": "steady"},
                                  service_code="WATER_LEAK"))
    (routed,) = published(routing, "RequestRouted")
    assert len(routed["explanation"]) == 1000 and routed["explanation"].endswith("…")
    assert routed["explanation"].startswith("WATER_LEAK goes to Watershed Management by rule 'water-leak'")


def survey(request_id, fixed, at="2026-11-25T10:00:00+00:00", comment=None):
    return event("SurveyResponded", correlation_id=request_id, service_request_id=request_id, fixed=fixed,
                 responded_at=at, comment=comment, has_comment=comment is not None)


def follow_ups(routing):
    status, body = answer(routing.get_follow_ups(reading()))
    assert status == 200
    return body["follow_ups"]


def test_a_not_fixed_answer_puts_the_closed_request_on_the_follow_up_list_until_staff_say_what_they_did(routing):
    routing.route_request(created("26-0000001"))
    routing.route_request(created("26-0000005", {"lat": 33.7590, "long": -84.3780}))
    for sid in ("26-0000001", "26-0000005"):
        routing.on_work_order_closed(event("WorkOrderClosed", correlation_id=sid, service_request_id=sid))
    routing.on_survey_responded(survey("26-0000005", fixed=True))
    routing.on_survey_responded(survey("26-0000001", fixed=False, comment="Still a hole, deeper now"))

    [waiting] = follow_ups(routing)
    assert (waiting["service_request_id"], waiting["department"], waiting["open"]) == ("26-0000001", "PW-STREETS",
                                                                                       False)
    assert (waiting["comment"], waiting["answered_at"]) == ("Still a hole, deeper now", "2026-11-25T10:00:00+00:00")

    status, body = answer(routing.followed_up(staff_action({"reason": "filed 26-0000009"}),
                                              "26-0000001"))
    assert (status, body) == (200, {"service_request_id": "26-0000001", "followed_up_by": "calltaker7"})
    assert follow_ups(routing) == []
    record = answer(routing.get_decision(reading(), "26-0000001"))[1]
    assert (record["followed_up_by"], record["follow_up_note"]) == ("calltaker7", "filed 26-0000009")
    assert record["not_fixed_comment"] == "Still a hole, deeper now"


def test_a_follow_up_is_refused_when_nothing_waits_and_a_redelivered_answer_does_not_list_it_again(routing):
    routing.route_request(created("26-0000001"))

    def action():  # a request's body is read once: a new request each time
        return staff_action({"reason": "called the crew"})
    status, body = answer(routing.followed_up(action(), "26-0000001"))
    assert status == 409 and "waits for a follow-up" in body["error"]
    assert answer(routing.followed_up(action(), "26-9999999"))[0] == 404
    assert answer(routing.followed_up(staff_action({}), "26-0000001")) == (400, {"error": "missing: reason"})
    not_fixed = survey("26-0000001", fixed=False)
    routing.on_survey_responded(not_fixed)
    assert answer(routing.followed_up(action(), "26-0000001"))[0] == 200
    routing.on_survey_responded(not_fixed)                      # the same event again: already handled
    assert follow_ups(routing) == []
    assert answer(routing.followed_up(action(), "26-0000001"))[0] == 409


def test_a_later_not_fixed_answer_wins_and_an_older_one_arriving_late_does_not_replace_it(routing):
    """Reporters of the request and of its duplicates each get a survey about it."""
    routing.route_request(created("26-0000001"))
    routing.on_survey_responded(survey("26-0000001", fixed=False, at="2026-11-25T12:00:00+00:00", comment="newer"))
    routing.on_survey_responded(survey("26-0000001", fixed=False, at="2026-11-25T09:00:00+00:00", comment="older"))
    [waiting] = follow_ups(routing)
    assert waiting["comment"] == "newer"


def test_an_answer_about_a_request_routing_has_not_seen_yet_is_retried(routing):
    with pytest.raises(LookupError):
        routing.on_survey_responded(survey("26-0000404", fixed=False))
