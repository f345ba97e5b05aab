"""How bus events change the public record (services/intake/public_record.py), on real SQLite."""
import itertools
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.orm import sessionmaker

from services.intake import public_record
from services.intake.models import ServiceRequest
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.unit.services.conftest import event, outbox_events


@pytest.fixture
def intake(tmp_path):
    return intake_with_a_request(tmp_path)


def _record(uow):
    with uow() as u:
        return u.session.query(ServiceRequest).one()


def apply(uow, handler, evt):
    with uow() as u:
        handler(u, evt)


def test_routing_sets_agency_expected_date_and_notes(intake):
    apply(intake, public_record.routed, event("RequestRouted"))
    record = _record(intake)
    assert record.agency_responsible == "Public Works – Streets"
    assert record.status_notes == "Routed to Public Works – Streets."
    assert record.expected_at.replace(tzinfo=timezone.utc) == datetime(2026, 11, 25, 17, tzinfo=timezone.utc)
    changed = [e for e in outbox_events(intake) if e["event_type"] == "RequestStatusChanged"]
    assert [e["data"]["stage"] for e in changed] == ["routed"]


def test_closure_closes_and_a_redelivery_changes_nothing(intake):
    closed = event("WorkOrderClosed")
    apply(intake, public_record.work_order_closed, closed)
    apply(intake, public_record.work_order_closed, closed)
    record = _record(intake)
    assert (record.status, record.status_notes) == ("closed", "Closed: Pothole filled")
    assert len(record.notes) == 1


def test_an_older_update_never_overwrites_a_newer_one(intake):
    now = datetime.now(timezone.utc)
    apply(intake, public_record.work_order_closed, event("WorkOrderClosed", changed_at=now.isoformat()))
    stale = event("WorkOrderUpdated", status="in_progress", changed_at=(now - timedelta(minutes=5)).isoformat())
    apply(intake, public_record.work_order_updated, stale)
    assert _record(intake).status == "closed"


def test_updated_datetime_is_never_in_the_future_nor_before_the_request(intake):
    future = datetime.now(timezone.utc) + timedelta(days=3)
    apply(intake, public_record.work_order_updated,
          event("WorkOrderUpdated", changed_at=future.isoformat()))
    record = _record(intake)
    assert record.updated_at.replace(tzinfo=timezone.utc) <= datetime.now(timezone.utc)
    long_ago = datetime(2020, 1, 1, tzinfo=timezone.utc)
    apply(intake, public_record.needs_triage, event("RequestNeedsTriage", service_request_id="26-0000123"))
    assert _record(intake).updated_at.replace(tzinfo=timezone.utc) > long_ago


def test_an_event_for_an_unknown_request_fails_so_it_is_retried(intake):
    with pytest.raises(LookupError, match="no request 26-9999999"):
        apply(intake, public_record.routed, event("RequestRouted", service_request_id="26-9999999"))


# --- Arrival order: what residents see only moves forward -------------------------------------------------
# Events about one request come on several queues; an intake outage or a retry's delay can hand them over in
# any order. Whatever the order, the public record ends as it would in the order the events happened, and a
# late event's news is not told again.

START = datetime.now(timezone.utc) - timedelta(hours=1)
HANDLERS = {"RequestRouted": public_record.routed, "RequestDuplicateDetected": public_record.duplicate,
            "RequestNeedsTriage": public_record.needs_triage, "WorkOrderCreated": public_record.work_order_created,
            "WorkOrderUpdated": public_record.work_order_updated, "WorkOrderClosed": public_record.work_order_closed}


def happened(event_type, minute, **changes):
    """`event_type` published `minute` minutes after START (for work-order events, changed/created then too)."""
    moment = (START + timedelta(minutes=minute)).isoformat()
    changes.setdefault("service_request_id", "26-0000123")
    if event_type in ("WorkOrderUpdated", "WorkOrderClosed"):
        changes.setdefault("changed_at", moment)
    if event_type == "WorkOrderCreated":
        changes.setdefault("created_at", moment)
    return dict(event(event_type, **changes), occurred_at=moment)


ROUTED = happened("RequestRouted", 1)
CREATED = happened("WorkOrderCreated", 2)
IN_PROGRESS = happened("WorkOrderUpdated", 3, status="in_progress", update_id="u3")
CLOSED = happened("WorkOrderClosed", 4)
TRIAGE = happened("RequestNeedsTriage", 1)
DUPLICATE = happened("RequestDuplicateDetected", 1)
ROUTED_BY_HAND = happened("RequestRouted", 2, manual=True, department="PW-WATER", department_name="Watershed")
CREATED_AFTER_TRIAGE = happened("WorkOrderCreated", 3, legacy_id="WS-7")

IN_ORDER = {  # pairs in the order they happened
    "created after routed": (ROUTED, CREATED),
    "updated after routed": (ROUTED, IN_PROGRESS),
    "closed after routed": (ROUTED, CLOSED),
    "updated after created": (CREATED, IN_PROGRESS),
    "closed after created": (CREATED, CLOSED),
    "closed after updated": (IN_PROGRESS, CLOSED),
    "routed by hand after triage": (TRIAGE, ROUTED_BY_HAND),
    "routed after staff un-mark a duplicate": (DUPLICATE, ROUTED_BY_HAND),
    "created after triage and routing by hand": (TRIAGE, CREATED_AFTER_TRIAGE),
    "closed after triage": (TRIAGE, CLOSED),
}


def _handled(uow, *events):
    for evt in events:
        apply(uow, HANDLERS[evt["event_type"]], evt)


def _seen(uow):
    record = _record(uow)
    return {"stage": record.stage, "status": record.status, "notes": record.status_notes,
            "agency": record.agency_responsible, "department": record.department,
            "parent": record.parent_request_id, "legacy_id": record.legacy_id,
            "expected": record.expected_at and record.expected_at.replace(tzinfo=timezone.utc)}


def _told(uow):
    return [e["data"]["stage"] for e in outbox_events(uow) if e["event_type"] == "RequestStatusChanged"]


@pytest.mark.parametrize("earlier, later", IN_ORDER.values(), ids=IN_ORDER.keys())
def test_an_event_that_comes_after_a_later_one_leaves_the_record_as_in_the_order_they_happened(
        tmp_path, earlier, later):
    in_order = intake_with_a_request(tmp_path)
    _handled(in_order, earlier, later)
    reversed_order = intake_with_a_request(tmp_path)
    _handled(reversed_order, later)
    told = _told(reversed_order)
    _handled(reversed_order, earlier)
    assert _seen(reversed_order) == _seen(in_order)
    assert _told(reversed_order) == told  # the late one told residents nothing


def test_whatever_the_order_of_a_lifecycle_the_request_ends_closed_and_its_told_stages_only_move_forward(
        tmp_path):
    lifecycle = (ROUTED, CREATED, IN_PROGRESS, CLOSED)
    natural = intake_with_a_request(tmp_path)
    _handled(natural, *lifecycle)
    for order in itertools.permutations(lifecycle):
        uow = intake_with_a_request(tmp_path)
        _handled(uow, *order)
        assert _seen(uow) == _seen(natural), [e["event_type"] for e in order]
        ranks = [public_record.STAGES[stage] for stage in _told(uow)]
        assert ranks == sorted(ranks), _told(uow)


def test_a_re_route_after_the_work_order_was_created_moves_the_request_back_to_routed(intake):
    re_route = happened("RequestRouted", 3, manual=True, department="PW-WATER", department_name="Watershed")
    _handled(intake, ROUTED, CREATED, re_route)
    assert (_seen(intake)["stage"], _seen(intake)["agency"]) == ("routed", "Watershed")
    _handled(intake, happened("WorkOrderCreated", 4, legacy_id="WS-9"))
    assert (_seen(intake)["stage"], _seen(intake)["legacy_id"]) == ("work_order_created", "WS-9")
    assert _told(intake) == ["routed", "work_order_created", "routed", "work_order_created"]


def test_the_old_departments_work_order_coming_after_the_re_route_does_not_move_the_request_on(intake):
    re_route = happened("RequestRouted", 3, manual=True, department="PW-WATER", department_name="Watershed")
    _handled(intake, ROUTED, re_route, CREATED)
    assert (_seen(intake)["stage"], _seen(intake)["agency"], _seen(intake)["legacy_id"]) == ("routed", "Watershed",
                                                                                             None)
    assert _told(intake) == ["routed", "routed"]


def test_a_reopened_work_order_reopens_a_closed_request_and_a_late_creation_does_not_undo_it(intake):
    reopened = happened("WorkOrderUpdated", 5, status="reopened", update_id="u5")
    _handled(intake, ROUTED, CLOSED, reopened, CREATED)
    assert (_seen(intake)["stage"], _seen(intake)["status"]) == ("reopened", "open")
    assert _told(intake) == ["routed", "closed", "reopened"]


def test_an_update_newer_than_the_closing_does_not_reopen_the_request_unless_it_is_a_reopening(intake):
    _handled(intake, CLOSED, happened("WorkOrderUpdated", 5, status="in_progress", update_id="u5"))
    assert (_seen(intake)["stage"], _seen(intake)["status"]) == ("closed", "closed")


def intake_with_a_request(tmp_path):
    """A new intake database holding one request at stage "received" (a test may compare two)."""
    url = f"sqlite:///{tmp_path}/intake-{uuid.uuid4().hex[:8]}.sqlite"
    upgrade("intake", url)
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)

    def uow():
        return UnitOfWork(sessions, "intake")
    with uow() as u:
        requested = datetime.now(timezone.utc) - timedelta(hours=2)
        u.session.add(ServiceRequest(service_request_id="26-0000123", token="t", jurisdiction_id="j",
                                     service_code="POTHOLE", service_name="Pothole", description="",
                                     attributes={}, channel="web", status="open", stage="received",
                                     status_notes="", requested_at=requested, updated_at=requested))
    return uow
