"""Duplicate detection: radius, time window, open parents only, deterministic choice."""
import dataclasses
import datetime as dt

import pytest

from services.routing.domain import OpenRequest, find_open_duplicate
from services.routing.domain.duplicates import DuplicatePolicy, haversine_m

NOW = dt.datetime(2026, 5, 5, 14, 0, tzinfo=dt.timezone.utc)
POTHOLES = DuplicatePolicy("duplicates.POTHOLE", 25, 168, frozenset({"POTHOLE"}))
METRE_NORTH = 1 / 111_195  # degrees of latitude per metre


def report(request_id="new", code="POTHOLE", metres_north=0.0, hours_ago=0.0, **changes):
    base = OpenRequest(request_id, code, 33.75 + metres_north * METRE_NORTH, -84.39,
                       NOW - dt.timedelta(hours=hours_ago))
    return dataclasses.replace(base, **changes)


def test_parent_within_radius_and_window_is_found():
    match = find_open_duplicate(report(), [report("p1", metres_north=20, hours_ago=5)], POTHOLES)
    assert match.parent_request_id == "p1"
    assert match.distance_m == pytest.approx(20, abs=0.2)


@pytest.mark.parametrize("parent", [
    report("far", metres_north=30, hours_ago=1),
    report("old", hours_ago=169),
    report("closed", hours_ago=1, is_open=False),
    report("child", hours_ago=1, parent_request_id="p0"),
    report("other-service", code="SIDEWALK_DAMAGE", hours_ago=1),
    report("later", hours_ago=-1),
    report("new", hours_ago=1),  # the candidate itself, already stored
])
def test_parents_that_do_not_qualify_are_ignored(parent):
    assert find_open_duplicate(report(), [parent], POTHOLES) is None


def test_nearest_parent_wins_then_the_oldest_then_the_lowest_id():
    parents = [report("b", metres_north=10, hours_ago=2), report("a", metres_north=10, hours_ago=2),
               report("c", metres_north=10, hours_ago=9), report("d", metres_north=-5, hours_ago=1)]
    assert find_open_duplicate(report(), parents, POTHOLES).parent_request_id == "d"
    assert find_open_duplicate(report(), parents[:3], POTHOLES).parent_request_id == "c"
    assert find_open_duplicate(report(), parents[:2], POTHOLES).parent_request_id == "a"


def test_group_policy_matches_other_services_of_the_group():
    water = DuplicatePolicy("duplicates.WATER_MAIN_BREAK", 200, 24,
                            frozenset({"WATER_MAIN_BREAK", "WATER_LEAK"}))
    parent = report("leak", code="WATER_LEAK", metres_north=150, hours_ago=2)
    assert find_open_duplicate(report(code="WATER_MAIN_BREAK"), [parent], water).parent_request_id == "leak"


def test_emergency_report_is_not_folded_into_a_routine_parent():
    candidate = report(priority="emergency")
    assert find_open_duplicate(candidate, [report("p", hours_ago=1, priority="normal")], POTHOLES) is None
    assert find_open_duplicate(candidate, [report("p", hours_ago=1, priority="emergency")], POTHOLES)


def test_no_policy_means_no_duplicates():
    assert find_open_duplicate(report(), [report("p1", hours_ago=1)], None) is None


def test_sample_policies(sample):
    policies = sample.duplicate_policies
    assert (policies.for_service("POTHOLE").radius_m, policies.for_service("POTHOLE").window_hours) == (25, 168)
    assert policies.for_service("DOWNED_TREE").radius_m == 100
    assert policies.for_service("BULK_PICKUP") is None
    assert policies.for_service("GRAFFITI").policy_id == "duplicates.default"
    assert "WATER_LEAK" in policies.for_service("WATER_MAIN_BREAK").service_codes


def test_haversine_distance():
    assert haversine_m(33.75, -84.39, 33.75, -84.39) == 0
    assert haversine_m(33.0, -84.39, 34.0, -84.39) == pytest.approx(111_195, rel=1e-3)
