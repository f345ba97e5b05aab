"""A unit of work: one transaction holding a handler's effect, its inbox mark and its outbox events."""
import json
from datetime import datetime, timezone

from sqlalchemy import bindparam, insert, select

from shared.events import new_event
from shared.persistence.tables import inbox, outbox

# Built once: a statement whose values are bound parameters is compiled once and then found in
# SQLAlchemy's cache (values baked in with .values() cost a new cache key on every event).
_SEEN = select(inbox.c.event_id).where(inbox.c.consumer == bindparam("consumer"),
                                       inbox.c.event_id == bindparam("event_id"))
_MARK_SEEN = insert(inbox)
OUTBOX_INSERT = insert(outbox)


class UnitOfWork:
    """Context manager: commits on a clean exit, rolls back on an exception.

    Events recorded with `publish` are written to the outbox in the same
    transaction, so they go out if and only if the change is committed.
    """

    def __init__(self, session_factory, producer, on_commit=None):
        self._session_factory = session_factory
        self.producer = producer
        self._on_commit = on_commit
        self.session = None
        self.published = []

    def __enter__(self):
        self.session = self._session_factory()
        self.published = []
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                self.session.commit()
            else:
                self.session.rollback()
        finally:
            self.session.close()
        if exc_type is None and self.published and self._on_commit:
            self._on_commit()
        return False

    def claim(self, event, consumer):
        """Mark `event` processed by `consumer`; False if it already was (a redelivery)."""
        key = {"consumer": consumer, "event_id": event["event_id"]}
        if self.session.execute(_SEEN, key).first():
            return False
        # A concurrent duplicate makes this insert fail; the retry then sees the row.
        self.session.execute(_MARK_SEEN, dict(key, processed_at=_now()))
        return True

    def publish(self, event_type, data, correlation_id):
        """Validate an event against its contract and record it in the outbox."""
        event = new_event(event_type, data, correlation_id, self.producer)
        self.session.execute(OUTBOX_INSERT, {
            "event_id": event["event_id"], "exchange": f"{self.producer}.events", "routing_key": event_type,
            "payload": json.dumps(event), "created_at": _now(), "attempts": 0,
            "correlation_id": event["correlation_id"]})
        self.published.append(event)
        return event


def _now():
    return datetime.now(timezone.utc)
