"""The metrics stream: PII-free facts and measure updates for analysts, as versioned JSON (STREAM.md).

Messages are written to the service's outbox in the same transaction as the
fact they describe, and the outbox relay publishes them to the stream queue
through the default exchange with publisher confirms. So a committed fact is
on the stream eventually (a crash before the confirm republishes it: analysts
may see a message twice, with the same `message_id`), and a rolled-back one
never is.
"""
import json
import uuid
from datetime import datetime, timezone

from kombu import Queue
from nameko import config
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


def record(uow, kind, data, cause=None):
    """Write a stream message to the outbox in the unit of work's transaction; return it."""
    body = message(kind, data, cause)
    uow.session.execute(OUTBOX_INSERT, {
        "event_id": body["message_id"], "exchange": "", "routing_key": queue_name(),
        "payload": json.dumps(body), "created_at": datetime.now(timezone.utc), "attempts": 0})
    uow.published.append(body)  # so the relay is woken as soon as the transaction commits
    return body
