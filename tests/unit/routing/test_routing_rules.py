"""Routing rules of the sample jurisdiction: each kind of outcome."""
import pytest

from services.routing.domain import NeedsTriage, ServiceLevel, TriageReason
from services.routing.domain.conditions import Condition
from services.routing.domain.rules import RuleBook

DOWNTOWN = (33.7500, -84.3900)
PIEDMONT_PARK = (33.7860, -84.3730)


def route(sample, make_request, code, attributes=None, at=DOWNTOWN):
    location = sample.geography.locate(*at)
    return sample.rulebook.route(make_request(code, attributes, *at), location)


def test_pothole_goes_to_streets_with_its_work_order_system(sample, make_request):
    decision = route(sample, make_request, "POTHOLE", {"SIZE": "small"})
    assert (decision.department, decision.work_order_system) == ("PW-STREETS", "streets")
    assert (decision.priority, decision.service_level) == ("normal", ServiceLevel("business_days", 3))
    assert decision.rule_id == "pothole" and decision.escalation_id is None
    assert "Public Works – Streets" in decision.explanation and "'pothole'" in decision.explanation


def test_large_pothole_in_travel_lane_is_escalated(sample, make_request):
    decision = route(sample, make_request, "POTHOLE", {"SIZE": "large", "LANE": "travel_lane"})
    assert (decision.priority, decision.service_level) == ("high", ServiceLevel("business_hours", 8))
    assert decision.rule_id == "pothole"
    assert decision.escalation_id == "pothole-large-in-travel-lane"
    assert "Escalated" in decision.explanation


@pytest.mark.parametrize("attributes, at, department, rule_id", [
    ({"BLOCKING": "no", "LOCATION_TYPE": "street"}, PIEDMONT_PARK, "PARKS-FORESTRY", "downed-tree-in-park"),
    ({"BLOCKING": "no", "LOCATION_TYPE": "park"}, DOWNTOWN, "PARKS-FORESTRY", "downed-tree-in-park"),
    ({"BLOCKING": "no", "LOCATION_TYPE": "street"}, DOWNTOWN, "PW-STREETS", "downed-tree-street"),
    ({"BLOCKING": "no", "LOCATION_TYPE": "private_property"}, DOWNTOWN, "CODE-ENFORCEMENT",
     "downed-tree-private-property"),
    ({"BLOCKING": "yes", "LOCATION_TYPE": "private_property"}, DOWNTOWN, "PW-STREETS", "downed-tree-street"),
])
def test_downed_tree_goes_by_park_polygon_or_location_type(sample, make_request, attributes, at,
                                                            department, rule_id):
    decision = route(sample, make_request, "DOWNED_TREE", attributes, at)
    assert (decision.department, decision.rule_id) == (department, rule_id)


@pytest.mark.parametrize("at", [DOWNTOWN, PIEDMONT_PARK])
def test_downed_tree_blocking_the_road_is_an_emergency_within_four_hours(sample, make_request, at):
    decision = route(sample, make_request, "DOWNED_TREE", {"BLOCKING": "yes", "LOCATION_TYPE": "street"}, at)
    assert decision.priority == "emergency"
    assert decision.service_level == ServiceLevel("calendar_hours", 4)
    assert decision.escalation_id == "downed-tree-blocking-road"


@pytest.mark.parametrize("side, severity, department, priority", [
    ("private_side", "steady", "CODE-ENFORCEMENT", "low"),
    ("private_side", "flooding", "CODE-ENFORCEMENT", "low"),
    ("city_side", "steady", "WATERSHED", "high"),
    ("city_side", "flooding", "WATERSHED", "emergency"),
    ("unknown", "trickle", "WATERSHED", "normal"),
    ("unknown", "flooding", "WATERSHED", "emergency"),
])
def test_water_leak_by_side_of_the_meter(sample, make_request, side, severity, department, priority):
    decision = route(sample, make_request, "WATER_LEAK", {"LEAK_SIDE": side, "SEVERITY": severity})
    assert (decision.department, decision.priority) == (department, priority)


def test_private_side_leak_explains_owner_responsibility(sample, make_request):
    decision = route(sample, make_request, "WATER_LEAK", {"LEAK_SIDE": "private_side", "SEVERITY": "steady"})
    assert "property owner" in decision.explanation


def test_water_main_break_runs_on_calendar_hours(sample, make_request):
    decision = route(sample, make_request, "WATER_MAIN_BREAK")
    assert (decision.priority, decision.service_level) == ("emergency", ServiceLevel("calendar_hours", 2))


def test_multivaluelist_answer_matches_when_any_chosen_value_does(sample, make_request):
    decision = route(sample, make_request, "ILLEGAL_DUMPING", {"MATERIAL": ["household", "hazardous"]})
    assert decision.escalation_id == "dumping-hazardous-material"
    assert route(sample, make_request, "ILLEGAL_DUMPING", {"MATERIAL": ["household"]}).priority == "normal"


def test_illegal_dumping_in_a_park_goes_to_parks(sample, make_request):
    assert route(sample, make_request, "ILLEGAL_DUMPING", {}, PIEDMONT_PARK).department == "PARKS-FORESTRY"
    assert route(sample, make_request, "ILLEGAL_DUMPING", {}, DOWNTOWN).department == "CODE-ENFORCEMENT"


def test_missing_attributes_fall_through_to_the_unconditional_rule(sample, make_request):
    decision = route(sample, make_request, "WATER_LEAK", {})
    assert (decision.rule_id, decision.escalation_id) == ("water-leak", None)


def test_unknown_service_needs_triage(sample, make_request):
    outcome = route(sample, make_request, "UFO_SIGHTING")
    assert outcome == NeedsTriage(TriageReason.NO_RULE, "no routing rule for service UFO_SIGHTING")


def test_service_without_rule_needs_triage(sample, make_request):
    empty = RuleBook([], [])
    outcome = empty.route(make_request("POTHOLE"), sample.geography.locate(*DOWNTOWN))
    assert isinstance(outcome, NeedsTriage) and outcome.reason == "no routing rule for service POTHOLE"


def test_district_and_neighbourhood_conditions(sample):
    downtown = sample.geography.locate(*DOWNTOWN)
    assert Condition(council_districts=frozenset({"CD-06"})).holds({}, downtown)
    assert not Condition(council_districts=frozenset({"CD-01"})).holds({}, downtown)
    assert Condition(neighbourhoods=frozenset({"NB-DOWNTOWN"})).holds({}, downtown)
    assert not Condition(in_park=True).holds({}, downtown)


def test_condition_description_is_readable():
    condition = Condition(attributes=(("BLOCKING", frozenset({"yes"})),), in_park=True)
    assert condition.describe() == "BLOCKING=yes and inside a park"
