"""Reopening a closed request on routing's staff API, and on a "not fixed" survey answer when the
jurisdiction says so: who may, what is refused (with the reason), and RequestReopened once."""
import dataclasses

import pytest

from shared.events import parse_event
from tests.unit.routing.test_routing_triage_desk import (answer, created, follow_ups, published, reading,  # noqa: F401
                                                         routing, routing_worker, staff_action, survey)
from tests.unit.services.conftest import event, outbox_events, unit_of_work  # noqa: F401 (fixture)

REQUEST = "26-0000001"


def closed(routing, sid=REQUEST):
    routing.route_request(created(sid))
    routing.on_work_order_closed(event("WorkOrderClosed", correlation_id=sid, service_request_id=sid))


def test_staff_reopen_a_closed_request_with_their_name_and_reason_and_it_can_close_again(routing):
    closed(routing)
    status, body = answer(routing.reopen(staff_action({"reason": "crew patched the wrong hole"}), REQUEST))

    assert (status, body) == (200, {"service_request_id": REQUEST, "open": True, "reopened_by": "staff:calltaker7"})
    [reopened] = published(routing, "RequestReopened")
    assert (reopened["service_request_id"], reopened["work_order_system"], reopened["reason"],
            reopened["reopened_by"]) == (REQUEST, "streets", "crew patched the wrong hole", "staff:calltaker7")
    for envelope in outbox_events(routing.uow):     # every event routing wrote keeps its contract
        parse_event(envelope)
    assert answer(routing.get_decision(reading(), REQUEST))[1]["open"] is True
    # Open again: a second reopen is refused, and the next close closes it as usual.
    status, body = answer(routing.reopen(staff_action({"reason": "again"}), REQUEST))
    assert status == 409 and "is not closed" in body["error"]
    routing.on_work_order_closed(event("WorkOrderClosed", correlation_id=REQUEST, service_request_id=REQUEST))
    assert answer(routing.get_decision(reading(), REQUEST))[1]["open"] is False


def test_refusals_name_their_reason_and_publish_nothing(routing):
    routing.route_request(created(REQUEST))
    status, body = answer(routing.reopen(staff_action({"reason": "r"}), REQUEST))
    assert status == 409 and body["error"] == f"request {REQUEST} is not closed"
    status, body = answer(routing.reopen(staff_action({"reason": "r"}), "26-9999999"))
    assert status == 404 and "26-9999999" in body["error"]
    closed(routing, "26-0000002")
    assert answer(routing.reopen(staff_action({"reason": ""}), "26-0000002")) == (400, {"error": "missing: reason"})
    assert answer(routing.reopen(staff_action({}), "26-0000002")) == (400, {"error": "missing: reason"})
    status, body = answer(routing.reopen(staff_action({"reason": "r", "staff": "someone"}), "26-0000002"))
    assert status == 400 and "service token" in body["error"]
    assert answer(routing.reopen(staff_action({"reason": "r"}, headers={}), "26-0000002"))[0] == 401
    assert answer(routing.reopen(staff_action({"reason": "r"}, role="operations"), "26-0000002"))[0] == 403
    assert published(routing, "RequestReopened") == []


def test_a_closed_duplicate_has_no_work_order_of_its_own_to_reopen(routing):
    routing.route_request(created(REQUEST))
    routing.route_request(created("26-0000002", {"lat": 33.74902, "long": -84.38802}))
    routing.on_work_order_closed(event("WorkOrderClosed", correlation_id=REQUEST, service_request_id=REQUEST))
    status, body = answer(routing.reopen(staff_action({"reason": "r"}), "26-0000002"))
    assert status == 409 and "no work order of its own" in body["error"]


def test_reopening_settles_a_not_fixed_answer_waiting_on_the_follow_up_list(routing):
    closed(routing)
    routing.on_survey_responded(survey(REQUEST, fixed=False, comment="still there"))
    assert [w["service_request_id"] for w in follow_ups(routing)] == [REQUEST]
    assert answer(routing.reopen(staff_action({"reason": "resident called"}), REQUEST))[0] == 200
    assert follow_ups(routing) == []
    record = answer(routing.get_decision(reading(), REQUEST))[1]
    assert (record["followed_up_by"], record["follow_up_note"]) == ("staff:calltaker7", "Reopened: resident called")


def test_not_fixed_stays_on_the_follow_up_list_when_the_jurisdiction_does_not_reopen_on_it(routing, sample):
    assert sample.reopen_on_not_fixed is False      # the sample's default
    closed(routing)
    routing.on_survey_responded(survey(REQUEST, fixed=False, comment="still there"))
    assert published(routing, "RequestReopened") == []
    assert answer(routing.get_decision(reading(), REQUEST))[1]["open"] is False


def test_not_fixed_reopens_at_once_and_exactly_once_when_the_jurisdiction_says_so(unit_of_work, sample):  # noqa: F811
    routing = routing_worker(unit_of_work("routing"), dataclasses.replace(sample, reopen_on_not_fixed=True))
    closed(routing)
    routing.on_survey_responded(survey("26-0000001", fixed=True))
    assert published(routing, "RequestReopened") == []
    not_fixed = survey(REQUEST, fixed=False, comment="Still a hole")
    routing.on_survey_responded(not_fixed)
    routing.on_survey_responded(not_fixed)      # redelivered: handled once
    [reopened] = published(routing, "RequestReopened")
    assert (reopened["reopened_by"], reopened["reason"]) == (
        "resident-survey", "The resident answered the survey: not fixed. Still a hole")
    assert follow_ups(routing) == []
    assert answer(routing.get_decision(reading(), REQUEST))[1]["open"] is True


def test_the_setting_must_be_a_boolean(broken_copy):
    from services.routing.domain import load_jurisdiction
    from services.routing.domain.config_file import ConfigurationError
    assert load_jurisdiction(broken_copy("jurisdiction.yaml", "reopen_on_not_fixed: false",
                                         "reopen_on_not_fixed: true")).reopen_on_not_fixed is True
    folder = broken_copy("jurisdiction.yaml", "reopen_on_not_fixed: true", "reopen_on_not_fixed: sometimes")
    with pytest.raises(ConfigurationError, match="reopen_on_not_fixed"):
        load_jurisdiction(folder)
