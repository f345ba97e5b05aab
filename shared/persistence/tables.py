"""The outbox and inbox every service keeps in its own database.

They live in their own MetaData so each service's migrations include them
beside its own tables.
"""
from sqlalchemy import BigInteger, Column, DateTime, Integer, MetaData, String, Table, Text, Index

metadata = MetaData()

# BigInteger on PostgreSQL, INTEGER PRIMARY KEY (rowid) on SQLite.
_ID = BigInteger().with_variant(Integer(), "sqlite")

outbox = Table(
    "outbox", metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("exchange", String(120), nullable=False),
    Column("routing_key", String(120), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    # The request the event belongs to (the envelope's correlation_id): the relay keeps each one's events in order.
    Column("correlation_id", String(64), nullable=True),
    # Refused by the broker: not tried again before then.
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    # Refused OUTBOX_PARK_AFTER times: left for an operator (python -m shared.messaging.outbox).
    Column("parked_at", DateTime(timezone=True), nullable=True),
)
Index("ix_outbox_unpublished", outbox.c.published_at, outbox.c.id)
Index("ix_outbox_request_order", outbox.c.correlation_id, outbox.c.published_at, outbox.c.id)

inbox = Table(
    "inbox", metadata,
    Column("consumer", String(160), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

# The crash-loop guard of the event consumers (shared/messaging/crash_guard.py): how many times a
# redelivered event started a handler that never finished (its worker died). First deliveries and
# finished handlers leave no row.
delivery_starts = Table(
    "delivery_starts", metadata,
    Column("consumer", String(160), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("starts", Integer, nullable=False),
    Column("last_started_at", DateTime(timezone=True), nullable=False),
)
