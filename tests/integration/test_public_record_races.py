"""The public record when a request's events are handled at the same moment, on real SQLite and PostgreSQL.

WorkOrderUpdated and WorkOrderClosed come to intake on different queues, each handled by its own
batch worker: a crew's "in progress" and its "closed" a minute later can be applied by two
transactions at once. Whatever the interleaving, the newer change must be what residents see.
"""
from datetime import datetime, timedelta, timezone

import pytest

from services.intake import public_record
from services.intake.models import ServiceRequest
from tests.support.interleaving import Interleaving
from tests.unit.services.conftest import event

REQUEST = "26-0000123"


@pytest.fixture
def intake_db(service_databases):
    uow = service_databases("intake")
    requested = datetime.now(timezone.utc) - timedelta(hours=2)
    with uow() as u:
        u.session.add(ServiceRequest(service_request_id=REQUEST, token="t", jurisdiction_id="j",
                                     service_code="POTHOLE", service_name="Pothole", description="",
                                     attributes={}, channel="web", status="open", stage="work_order_created",
                                     status_notes="", requested_at=requested, updated_at=requested))
    return uow


def test_a_closing_handled_while_an_older_update_is_being_applied_is_what_residents_see(intake_db, monkeypatch):
    now = datetime.now(timezone.utc)
    in_progress = event("WorkOrderUpdated", status="in_progress", changed_at=(now - timedelta(minutes=1)).isoformat())
    closed = event("WorkOrderClosed", changed_at=now.isoformat())
    race, is_stale = Interleaving(), public_record._is_stale

    def update_pauses_after_reading(record, data):
        if data.get("status") == "in_progress":
            race.pause()
        return is_stale(record, data)
    monkeypatch.setattr(public_record, "_is_stale", update_pauses_after_reading)

    def apply(handler, evt):
        with intake_db() as uow:
            handler(uow, evt)
    errors = race.run(lambda: apply(public_record.work_order_updated, in_progress),
                      lambda: apply(public_record.work_order_closed, closed))
    assert errors == []
    with intake_db() as uow:
        record = uow.session.query(ServiceRequest).one()
        assert (record.status, record.stage, record.status_notes) == ("closed", "closed", "Closed: Pothole filled")
