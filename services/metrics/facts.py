"""Facts from events: each event folded once into its request's fact (`folds`), and put on the stream.

Redeliveries are claimed in the inbox and fold nothing; the stream message is
written in the same transaction as the fact it describes.
"""
from datetime import datetime, timezone

from services.metrics import stream
from services.metrics.folds import FOLDS, when
from services.metrics.models import InformationFact, RequestFact
from shared.persistence.rows import LockedRow


def record(uow, event):
    """Fold one event into its request's fact, once per event id, and put the new fact on the stream."""
    if not uow.claim(event, f"metrics.{event['event_type']}"):
        return None
    data = event["data"]
    fact = _fact(uow, data["service_request_id"])
    FOLDS[event["event_type"]](fact, data, when(event["occurred_at"]))
    fact.is_open = fact.closed_at is None or (fact.reopened_at is not None and fact.reopened_at > fact.closed_at)
    fact.updated_at = datetime.now(timezone.utc)
    stream.record(uow, "request_fact", document(fact), cause=event)
    return fact


def record_information(uow, event):
    """Keep an answered information contact, once, and put it on the stream."""
    if not uow.claim(event, "metrics.InformationRequestLogged"):
        return None
    data = event["data"]
    contact = uow.session.merge(InformationFact(
        contact_id=data["contact_id"], topic=data["topic"], article_id=data.get("article_id"),
        department=data.get("department"), channel=data["channel"], logged_at=when(data["logged_at"])))
    stream.record(uow, "information_contact", document(contact), cause=event)
    return contact


_EMPTY = {"notifications_sent": 0, "notifications_failed": 0, "work_order_failed": False, "is_open": True}
_FACTS = LockedRow(RequestFact, _EMPTY)


def _fact(uow, service_request_id):
    """The request's fact, created empty if this is its first event, locked for this transaction."""
    return _FACTS.get(uow.session, service_request_id)


def document(row):
    """A fact as a JSON-ready dict: every column, times in ISO 8601."""
    return {column.name: _jsonable(getattr(row, column.name)) for column in row.__table__.columns}


def _jsonable(value):
    return value.isoformat() if isinstance(value, datetime) else value
