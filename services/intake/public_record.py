"""The public record: how each bus event changes what residents see about their request.

Every change is one function: it updates status, stage, notes and dates, adds a
timeline note and records RequestStatusChanged in the same unit of work.
"""
from datetime import datetime, timezone

from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload

from services.intake.models import RequestNote, ServiceRequest

CONSUMER = "intake.public_record"
_LOCKED_REQUEST = (select(ServiceRequest).options(lazyload(ServiceRequest.notes))
                   .where(ServiceRequest.service_request_id == bindparam("id")).with_for_update())


def _aware(value):
    # SQLite returns naive datetimes for timezone columns; everything is stored in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def _at(text):
    return datetime.fromisoformat(text) if text else None


def _change(uow, record, stage, notes, status=None, when=None, agency=None, expected=None):
    now = datetime.now(timezone.utc)
    previous = record.status
    # updated_datetime never goes before requested_datetime nor into the future.
    moment = min(max(when or now, _aware(record.requested_at)), now)
    record.stage, record.status_notes = stage, notes
    record.status = status or record.status
    record.updated_at = max(moment, _aware(record.updated_at))
    record.agency_responsible = agency or record.agency_responsible
    record.expected_at = expected or record.expected_at
    uow.session.add(RequestNote(request_pk=record.id, type=stage, summary=notes, at=moment))
    uow.publish("RequestStatusChanged", {
        "service_request_id": record.service_request_id, "status": record.status,
        "previous_status": previous, "stage": stage, "status_notes": notes,
        "agency_responsible": record.agency_responsible,
        "expected_at": _aware(record.expected_at).isoformat() if record.expected_at else None,
        "changed_at": moment.isoformat()}, correlation_id=record.service_request_id)


def _record(uow, event, handler):
    """The request an event is about, or None when this event was applied before."""
    if not uow.claim(event, f"{CONSUMER}.{handler}"):
        return None
    # Locked until the commit: a request's events come on several queues, and two handlers reading it at
    # once would each judge its change against the row as it was (an older crew update written over the
    # closing). The timeline notes are only added to here (by request_pk): not loaded, a query less per event.
    record = uow.session.execute(_LOCKED_REQUEST, {"id": event["data"]["service_request_id"]}).scalar_one_or_none()
    if record is None:
        raise LookupError(f"no request {event['data']['service_request_id']} (event ahead of its request)")
    return record


def received(uow, record):
    """The request was just accepted."""
    _change(uow, record, "received", "Received; we will route it to the right department.",
            when=_aware(record.requested_at))


def routed(uow, event):
    data = event["data"]
    record = _record(uow, event, "routed")
    if record is None:
        return
    record.department, record.district = data["department"], data.get("district")
    record.neighbourhood = data.get("neighbourhood")
    record.parent_request_id = None  # routed on its own: no longer a duplicate (e.g. staff un-marked it)
    how = " (by hand)" if data.get("manual") else ""
    _change(uow, record, "routed", f"Routed to {data['department_name']}{how}.",
            when=_at(event["occurred_at"]), agency=data["department_name"], expected=_at(data.get("due_at")))


def duplicate(uow, event):
    data = event["data"]
    record = _record(uow, event, "duplicate")
    if record is None:
        return
    record.parent_request_id = data["parent_request_id"]
    _change(uow, record, "duplicate",
            f"Already reported as request {data['parent_request_id']}; you will hear its news.",
            when=_at(event["occurred_at"]))


def needs_triage(uow, event):
    record = _record(uow, event, "triage")
    if record is None:
        return
    _change(uow, record, "triage", f"Waiting for a 311 agent: {event['data']['reason']}",
            when=_at(event["occurred_at"]))


def work_order_created(uow, event):
    record = _record(uow, event, "work_order_created")
    if record is None:
        return
    record.legacy_id = event["data"]["legacy_id"]
    _change(uow, record, "work_order_created", "Work order created; waiting for a crew.",
            when=_at(event["data"]["created_at"]))


WORK_NOTES = {"assigned": "Crew assigned.", "in_progress": "Work in progress.",
              "on_hold": "Work on hold.", "reopened": "Reopened.", "cancelled": "Work order cancelled.",
              "unknown": "Status updated by the department."}


def work_order_updated(uow, event):
    data = event["data"]
    record = _record(uow, event, "work_order_updated")
    if record is None or _is_stale(record, data):
        return
    record.last_work_update_at = _at(data["changed_at"])
    _change(uow, record, data["status"], data.get("note") or WORK_NOTES[data["status"]],
            when=_at(data["changed_at"]))


def work_order_closed(uow, event):
    data = event["data"]
    record = _record(uow, event, "work_order_closed")
    if record is None or _is_stale(record, data):
        return
    record.last_work_update_at = _at(data["changed_at"])
    _change(uow, record, "closed", f"Closed: {data['resolution']}", status="closed",
            when=_at(data["changed_at"]))
    for child in uow.session.query(ServiceRequest).filter_by(
            parent_request_id=record.service_request_id, status="open").with_for_update():
        _change(uow, child, "closed", f"Closed with request {record.service_request_id}: {data['resolution']}",
                status="closed", when=_at(data["changed_at"]))


def _is_stale(record, data):
    """An update older than the last one applied never overwrites it."""
    last = _aware(record.last_work_update_at)
    return last is not None and _at(data["changed_at"]) < last
