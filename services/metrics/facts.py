"""Folding events into facts. Each function takes the unit of work and a validated event."""
from datetime import datetime

from services.metrics.models import InformationFact, RequestFact


def _at(text):
    return datetime.fromisoformat(text) if text else None


def _fact(uow, service_request_id):
    fact = uow.session.get(RequestFact, service_request_id)
    if fact is None:  # an event may overtake RequestCreated
        fact = RequestFact(service_request_id=service_request_id, notifications_sent=0,
                           work_order_failed=False)
        uow.session.add(fact)
    return fact


def _set_first(fact, attribute, value):
    """Keep the earliest time seen: redelivered or reordered events never move it later."""
    current = getattr(fact, attribute)
    if value is not None and (current is None or value < _aware(current)):
        setattr(fact, attribute, value)


def _aware(value):
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC.
    from datetime import timezone
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def request_created(fact, data):
    _set_first(fact, "created_at", _at(data["requested_at"]))
    fact.channel, fact.service_code = data["channel"], data["service_code"]


def request_routed(fact, data):
    _set_first(fact, "routed_at", _at(data.get("occurred_at")))
    fact.department, fact.district = data["department"], data.get("district")
    fact.priority, fact.due_at, fact.triage_reason = data["priority"], _at(data.get("due_at")), None


def duplicate_detected(fact, data):
    fact.duplicate_of = data["parent_request_id"]


def needs_triage(fact, data):
    fact.triage_reason = data["reason_code"]


def work_order_created(fact, data):
    _set_first(fact, "work_order_at", _at(data["created_at"]))


def work_order_updated(fact, data):
    _set_first(fact, "first_update_at", _at(data["changed_at"]))


def work_order_closed(fact, data):
    work_order_updated(fact, data)
    _set_first(fact, "closed_at", _at(data["changed_at"]))


def work_order_failed(fact, data):
    fact.work_order_failed = True


def notification_sent(fact, data):
    fact.notifications_sent = (fact.notifications_sent or 0) + 1


FOLDS = {
    "RequestCreated": request_created,
    "RequestRouted": request_routed,
    "RequestDuplicateDetected": duplicate_detected,
    "RequestNeedsTriage": needs_triage,
    "WorkOrderCreated": work_order_created,
    "WorkOrderUpdated": work_order_updated,
    "WorkOrderClosed": work_order_closed,
    "WorkOrderFailed": work_order_failed,
    "NotificationSent": notification_sent,
}


def record(uow, event):
    """Fold one event into its request's fact, once per event id."""
    if not uow.claim(event, f"metrics.{event['event_type']}"):
        return
    data = dict(event["data"], occurred_at=event["occurred_at"])
    FOLDS[event["event_type"]](_fact(uow, data["service_request_id"]), data)


def record_information(uow, event):
    """Count an answered information contact, once."""
    if not uow.claim(event, "metrics.InformationRequestLogged"):
        return
    data = event["data"]
    uow.session.merge(InformationFact(contact_id=data["contact_id"], topic=data["topic"],
                                      department=data.get("department"), channel=data["channel"],
                                      logged_at=_at(data["logged_at"])))
