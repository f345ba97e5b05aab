"""The operations view of department systems (shared/operations.py): each system's breaker from workorders' /health,
and the work orders waiting for it from its /metrics; a breaker not closed is a problem the status command reports."""
from shared import operations

WORKORDERS = {
    "ready": True, "status": "ready", "outbox": {},
    "detail": {"status": "ok", "department_systems": {"streets": "open", "watershed": "closed"}},
    "samples": [("city311_workorders_links", {"system": "streets", "state": "pending"}, 3.0),
                ("city311_workorders_links", {"system": "streets", "state": "leased"}, 1.0),
                ("city311_workorders_links", {"system": "streets", "state": "created"}, 40.0),
                ("city311_workorders_oldest_pending_link_age_seconds", {"system": "streets"}, 312.5),
                ("city311_workorders_links", {"system": "watershed", "state": "created"}, 7.0)],
}


def test_each_system_has_its_breaker_its_waiting_work_orders_and_the_oldest_ones_age():
    assert operations.department_systems(WORKORDERS) == {
        "streets": {"breaker": "open", "waiting": 4, "oldest_pending_seconds": 312.5},
        "watershed": {"breaker": "closed", "waiting": 0, "oldest_pending_seconds": 0.0}}


def test_workorders_not_answering_leaves_them_unknown_and_says_so():
    away = {"ready": False, "status": "not answering", "detail": "ConnectionError", "outbox": {}}
    assert operations.department_systems(away) == {}
    status = operations.Status("now", None, {}, {}, None, {"workorders": away}, {})
    assert "UNKNOWN: workorders does not answer" in operations.render_text(status)


def test_the_terminal_shows_an_open_breaker_with_what_waits_behind_it():
    status = operations.Status("now", None, {}, {}, None, {"workorders": WORKORDERS},
                               operations.department_systems(WORKORDERS))
    assert "  streets: breaker open, 4 work order(s) waiting, oldest 312s" in operations.render_text(status)
