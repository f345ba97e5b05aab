"""Notifications, one worker at a time (nameko worker_factory) on a real SQLite database."""
from nameko.testing.services import worker_factory

from services.notifications.service import NotificationsService
from tests.unit.services.conftest import event, outbox_events


def _service(unit_of_work):
    return worker_factory(NotificationsService, uow=unit_of_work("notifications"))


def _messages(worker):
    return worker.list_notifications(None, "26-0000123")[2]


def test_the_reporter_hears_of_each_stage_once_even_when_events_are_redelivered(unit_of_work):
    worker = _service(unit_of_work)
    worker.record_contact(event("ReporterContactRecorded", language="en"))
    closed = event("RequestStatusChanged", stage="closed", status="closed", status_notes="Closed: Pothole filled")
    worker.notify_status_change(closed)
    worker.notify_status_change(closed)                # redelivered
    body = _messages(worker)
    assert body.count('"template": "closed"') == 1
    sent = [e for e in outbox_events(worker.uow) if e["event_type"] == "NotificationSent"]
    assert len(sent) == 1 and "resident@example.org" not in str(sent)


def test_spanish_speakers_get_spanish(unit_of_work):
    worker = _service(unit_of_work)
    worker.record_contact(event("ReporterContactRecorded", language="es"))
    worker.notify_status_change(event("RequestStatusChanged", stage="received"))
    assert "Recibimos su solicitud 26-0000123" in _messages(worker)


def test_stages_nobody_is_told_about_and_silent_reporters_send_nothing(unit_of_work):
    worker = _service(unit_of_work)
    worker.notify_status_change(event("RequestStatusChanged", stage="routed"))     # no contact known
    worker.record_contact(event("ReporterContactRecorded", notify_by="none"))
    worker.notify_status_change(event("RequestStatusChanged", stage="closed"))
    worker.record_contact(event("ReporterContactRecorded", notify_by="email"))
    worker.notify_status_change(event("RequestStatusChanged", stage="work_order_created"))
    assert _messages(worker) == '{"notifications": []}'
