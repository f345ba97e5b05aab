"""decide(): location, rules, duplicates and deadline together."""
import datetime as dt

from services.routing.domain import (Duplicate, NeedsTriage, OpenRequest, Routed, ServiceLevel,
                                     TriageReason, decide, route_manually)

UTC = dt.timezone.utc
TUESDAY_10AM = dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # 10:00 EDT


def test_routed_request_carries_everything_the_event_needs(sample, make_request):
    outcome = decide(make_request("POTHOLE", {"SIZE": "small"}, requested_at=TUESDAY_10AM), sample, [])
    assert isinstance(outcome, Routed)
    assert (outcome.decision.department, outcome.decision.work_order_system) == ("PW-STREETS", "streets")
    assert (outcome.district, outcome.neighbourhood) == ("CD-06", "NB-DOWNTOWN")
    assert outcome.due_at == dt.datetime(2026, 3, 13, 21, 0, tzinfo=UTC)  # Friday 17:00 EDT
    assert outcome.decision.rule_id == "pothole" and not outcome.manual


def test_address_is_resolved_through_the_gazetteer(sample, make_request):
    outcome = decide(make_request("STREETLIGHT_OUT", lat=None, long=None,
                                  address="165 peachtree street northeast"), sample, [])
    assert outcome.place.matched_address == "165 Peachtree St NE"
    assert outcome.decision.department == "TRANSPORTATION"


def test_unresolvable_or_missing_address_needs_triage(sample, make_request):
    for address in ("200 Mitchell St", "1 Nowhere Rd", None):
        outcome = decide(make_request("POTHOLE", lat=None, long=None, address=address), sample, [])
        assert isinstance(outcome, NeedsTriage) and outcome.reason_code is TriageReason.ADDRESS_UNRESOLVED


def test_location_outside_the_city_needs_triage(sample, make_request):
    outcome = decide(make_request("POTHOLE", lat=None, long=None, address="5100 Peachtree Rd NE"), sample, [])
    assert outcome.reason_code is TriageReason.OUTSIDE_CITY
    assert "outside the city limits" in outcome.reason


def test_no_rule_needs_triage_but_keeps_the_district(sample, make_request):
    outcome = decide(make_request("UFO_SIGHTING"), sample, [])
    assert (outcome.reason_code, outcome.district) == (TriageReason.NO_RULE, "CD-06")


def test_duplicate_of_an_open_request(sample, make_request):
    parent = OpenRequest("p1", "POTHOLE", 33.7501, -84.3901, TUESDAY_10AM - dt.timedelta(days=2))
    outcome = decide(make_request("POTHOLE", requested_at=TUESDAY_10AM), sample, [parent])
    assert isinstance(outcome, Duplicate)
    assert (outcome.parent_request_id, outcome.rule_id) == ("p1", "duplicates.POTHOLE")
    assert 0 < outcome.distance_m < 25


def test_blocking_tree_is_not_folded_into_an_earlier_routine_report(sample, make_request):
    parent = OpenRequest("p1", "DOWNED_TREE", 33.7501, -84.3901, TUESDAY_10AM - dt.timedelta(hours=2),
                         priority="normal")
    outcome = decide(make_request("DOWNED_TREE", {"BLOCKING": "yes", "LOCATION_TYPE": "street"},
                                  requested_at=TUESDAY_10AM), sample, [parent])
    assert isinstance(outcome, Routed)
    assert outcome.decision.priority == "emergency"
    assert outcome.due_at == TUESDAY_10AM + dt.timedelta(hours=4)


def test_manual_routing_uses_the_chosen_department_calendar(sample, make_request):
    outcome = route_manually(make_request("UFO_SIGHTING", requested_at=TUESDAY_10AM), sample,
                             "CODE-ENFORCEMENT", "low", ServiceLevel("business_days", 1), "agent-7")
    assert outcome.manual and outcome.decision.rule_id == "manual"
    assert outcome.due_at == dt.datetime(2026, 3, 11, 21, 0, tzinfo=UTC)  # Wednesday 17:00 EDT
    assert outcome.district == "CD-06"
