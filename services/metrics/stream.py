"""The metrics stream: PII-free facts and measure updates for analysts, as versioned JSON (STREAM.md).

Messages are written to the service's outbox in the same transaction as the
fact they describe, and the outbox relay publishes them to the stream queue
through the default exchange with publisher confirms. So a committed fact is
on the stream eventually (a crash before the confirm republishes it: analysts
may see a message twice, with the same `message_id`), and a rolled-back one
never is.

The measures update is timed, and every metrics instance runs the timer: the first instance
to insert a period's row in `measures_periods` puts that period's update on the stream, the
others find the row (their insert does nothing, after waiting for the first to commit) and
publish nothing. The row keeps the facts the update was computed from, so no instance repeats
an update when nothing changed since the last one, whichever instance made it.
"""
import json
import uuid
from datetime import datetime, timedelta, timezone

from kombu import Queue
from nameko import config
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from services.metrics.models import MeasuresPeriod
from shared.persistence.unit_of_work import OUTBOX_INSERT

SCHEMA = "city311.metrics.stream"
SCHEMA_VERSION = 1
KINDS = ("request_fact", "information_contact", "measures")
DEFAULT_QUEUE = "metrics.stream"


def queue_name():
    return config.get("STREAM_QUEUE", DEFAULT_QUEUE)


def stream_queue():
    """The stream, as the service declares it: durable, retention by age and by size."""
    return Queue(queue_name(), durable=True, queue_arguments={
        "x-queue-type": "stream",
        "x-max-age": str(config.get("STREAM_MAX_AGE", "365D")),
        "x-max-length-bytes": int(config.get("STREAM_MAX_BYTES", 20_000_000_000)),
        "x-stream-max-segment-size-bytes": int(config.get("STREAM_SEGMENT_BYTES", 100_000_000)),
    })


def declare(connection):
    """Declare the stream on a kombu connection (idempotent with the same arguments)."""
    stream_queue()(connection.default_channel).declare()


def message(kind, data, cause=None):
    """One stream message: envelope + data. `cause` is the bus event that changed the fact, if any."""
    if kind not in KINDS:
        raise ValueError(f"unknown stream message kind {kind!r}")
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "kind": kind,
        "message_id": str(uuid.uuid4()),
        "emitted_at": datetime.now(timezone.utc).isoformat(),
        "cause": {"event_type": cause["event_type"], "event_id": cause["event_id"],
                  "occurred_at": cause["occurred_at"]} if cause else None,
        "data": data,
    }


PERIODS_KEPT = timedelta(days=1)
# Built once per dialect (bound values: compiled once, then cached).
_CLAIM = {name: dialect.insert(MeasuresPeriod.__table__).on_conflict_do_nothing()
          for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))}
_LAST_CLAIMED = select(MeasuresPeriod.facts_marker).order_by(MeasuresPeriod.period_start.desc()).limit(1)


def claim_measures(session, now, seconds, facts_marker):
    """True if this transaction is to put the measures update of `now`'s period (of `seconds`) on the stream:
    the facts changed since the last update (`facts_marker`, queries.last_change) and no instance took the
    period yet. The claim holds once the transaction commits; a rollback gives the period back."""
    if session.execute(_LAST_CLAIMED).scalar() == facts_marker:
        return False
    period_start = datetime.fromtimestamp(now.timestamp() // seconds * seconds, timezone.utc)
    claimed = session.execute(_CLAIM[session.get_bind().dialect.name],
                              {"period_start": period_start, "facts_marker": facts_marker})
    if claimed.rowcount != 1:
        return False
    # only the newest row is ever read: older periods are forgotten (a row a minute would grow for ever)
    session.execute(delete(MeasuresPeriod).where(MeasuresPeriod.period_start < period_start - PERIODS_KEPT))
    return True


def record(uow, kind, data, cause=None):
    """Write a stream message to the outbox in the unit of work's transaction; return it."""
    body = message(kind, data, cause)
    uow.session.execute(OUTBOX_INSERT, {
        "event_id": body["message_id"], "exchange": "", "routing_key": queue_name(),
        "payload": json.dumps(body), "created_at": datetime.now(timezone.utc), "attempts": 0})
    uow.published.append(body)  # so the relay is woken as soon as the transaction commits
    return body
