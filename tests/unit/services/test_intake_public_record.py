"""How bus events change the public record (services/intake/public_record.py), on real SQLite."""
from datetime import datetime, timedelta, timezone

import pytest

from services.intake import public_record
from services.intake.models import ServiceRequest
from tests.unit.services.conftest import event, outbox_events


@pytest.fixture
def intake(unit_of_work):
    uow = unit_of_work("intake")
    with uow() as u:
        requested = datetime.now(timezone.utc) - timedelta(hours=2)
        u.session.add(ServiceRequest(service_request_id="26-0000123", token="t", jurisdiction_id="j",
                                     service_code="POTHOLE", service_name="Pothole", description="",
                                     attributes={}, channel="web", status="open", stage="received",
                                     status_notes="", requested_at=requested, updated_at=requested))
    return uow


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
