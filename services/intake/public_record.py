"""The public record: how each bus event changes what residents see about their request.

Every change is one function: it updates status, stage, notes and dates, adds a
timeline note and records RequestStatusChanged in the same unit of work. Stages only
move forward (STAGES), whatever order a request's events arrive in; a late event
still brings its facts (legacy id, agency, due time) without moving the stage back
or telling residents again.
"""
from datetime import datetime, timezone

from sqlalchemy import bindparam, select
from sqlalchemy.orm import lazyload

from services.intake.models import RequestNote, ServiceRequest

CONSUMER = "intake.public_record"
_LOCKED_REQUEST = (select(ServiceRequest).options(lazyload(ServiceRequest.notes))
                   .where(ServiceRequest.service_request_id == bindparam("id")).with_for_update())

# The order of the stages residents see. A request's stage only moves forward in it, whatever order its events
# come in (several queues, an intake outage, a retry's delay); two moves go back, each only on news newer than
# the stage: a re-route (a routing decision made after the work order) and a reopening of a closed work order.
STAGES = {"received": 0, "routed": 1, "duplicate": 1, "triage": 1, "work_order_created": 2,
          "assigned": 3, "in_progress": 3, "on_hold": 3, "cancelled": 3, "unknown": 3, "reopened": 3, "closed": 4}


def _aware(value):
    # SQLite returns naive datetimes for timezone columns; everything is stored in UTC.
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def _at(text):
    return datetime.fromisoformat(text) if text else None


def _change(uow, record, stage, notes, status=None, when=None):
    now = datetime.now(timezone.utc)
    previous = record.status
    # updated_datetime never goes before requested_datetime nor into the future.
    moment = min(max(when or now, _aware(record.requested_at)), now)
    record.stage, record.status_notes = stage, notes
    record.status = status or record.status
    record.updated_at = max(moment, _aware(record.updated_at))
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
    record = _routing_decision(uow, event, "routed")
    if record is None:
        return
    record.department, record.district = data["department"], data.get("district")
    record.neighbourhood = data.get("neighbourhood")
    record.parent_request_id = None  # routed on its own: no longer a duplicate (e.g. staff un-marked it)
    record.agency_responsible, record.expected_at = data["department_name"], _at(data.get("due_at"))
    if _shows_decision(record, event):
        how = " (by hand)" if data.get("manual") else ""
        _change(uow, record, "routed", f"Routed to {data['department_name']}{how}.", when=_at(event["occurred_at"]))


def duplicate(uow, event):
    data = event["data"]
    record = _routing_decision(uow, event, "duplicate")
    if record is None:
        return
    record.parent_request_id = data["parent_request_id"]
    if _shows_decision(record, event):
        _change(uow, record, "duplicate",
                f"Already reported as request {data['parent_request_id']}; you will hear its news.",
                when=_at(event["occurred_at"]))


def needs_triage(uow, event):
    record = _routing_decision(uow, event, "triage")
    if record is not None and _shows_decision(record, event):
        _change(uow, record, "triage", f"Waiting for a 311 agent: {event['data']['reason']}",
                when=_at(event["occurred_at"]))


def work_order_created(uow, event):
    record = _work_order_news(uow, event, "work_order_created")
    published = _at(event["occurred_at"])
    if record is None or _before(published, record.work_order_at):
        return
    record.legacy_id, record.work_order_at = event["data"]["legacy_id"], published
    if STAGES[record.stage] <= STAGES["work_order_created"]:
        _change(uow, record, "work_order_created", "Work order created; waiting for a crew.",
                when=_at(event["data"]["created_at"]))


WORK_NOTES = {"assigned": "Crew assigned.", "in_progress": "Work in progress.",
              "on_hold": "Work on hold.", "reopened": "Reopened.", "cancelled": "Work order cancelled.",
              "unknown": "Status updated by the department."}


def work_order_updated(uow, event):
    data = event["data"]
    record = _work_order_news(uow, event, "work_order_updated")
    if record is None or _is_stale(record, data) or not _may_become(record, data["status"]):
        return
    record.last_work_update_at = _at(data["changed_at"])
    _change(uow, record, data["status"], data.get("note") or WORK_NOTES[data["status"]],
            status="open" if data["status"] == "reopened" else None, when=_at(data["changed_at"]))


def work_order_closed(uow, event):
    data = event["data"]
    record = _work_order_news(uow, event, "work_order_closed")
    if record is None or _is_stale(record, data):
        return
    record.last_work_update_at = _at(data["changed_at"])
    _change(uow, record, "closed", f"Closed: {data['resolution']}", status="closed",
            when=_at(data["changed_at"]))
    for child in uow.session.query(ServiceRequest).filter_by(
            parent_request_id=record.service_request_id, status="open").with_for_update():
        _change(uow, child, "closed", f"Closed with request {record.service_request_id}: {data['resolution']}",
                status="closed", when=_at(data["changed_at"]))


def _routing_decision(uow, event, handler):
    """The request a routing decision is about, or None when a newer decision was applied (or this one was).

    Routing decides one thing at a time, so the newest decision's facts (department, parent, due time) are the
    request's, even when its stage has moved on.
    """
    record = _record(uow, event, handler)
    decided = _at(event["occurred_at"])
    if record is None or _before(decided, record.route_decided_at):
        return None
    record.route_decided_at = decided
    return record


def _shows_decision(record, event):
    """Whether a routing decision becomes the request's stage: before any work order news, or as a re-route
    decided after the work order shown was created (routing never re-routes a closed request)."""
    if STAGES[record.stage] <= STAGES["routed"]:
        return True
    created = _aware(record.work_order_at)
    return record.stage != "closed" and created is not None and _at(event["occurred_at"]) > created


def _work_order_news(uow, event, handler):
    """The request a work-order event is about, or None when applied before or about a replaced work order.

    Published before the routing decision shown, it is about the work order a re-route replaced. (Our services'
    clocks are synchronised, and a work order is created well after the decision that asked for it.)
    """
    record = _record(uow, event, handler)
    if record is None or _before(_at(event["occurred_at"]), record.route_decided_at):
        return None
    return record


def _may_become(record, stage):
    """A work update never takes a closed request back, unless the department reopened the work order."""
    return STAGES[stage] >= STAGES[record.stage] or stage == "reopened"


def _before(moment, last):
    return last is not None and moment < _aware(last)


def _is_stale(record, data):
    """An update older than the last one applied never overwrites it."""
    last = _aware(record.last_work_update_at)
    return last is not None and _at(data["changed_at"]) < last
