"""The city's own durable record of what it took off the Transportation queues, in the workorders database.

A message is removed from its queue only after it is written here, so nothing
taken is lost: an Acknowledge that came after create() gave up is found by
find_by_reference, and Sync documents stay here (numbered in the order they
arrived) until the caller's cursor has moved past them and they are old. In the
service's own database (tables of the workorders migrations), every instance on
every host reads the same journal; each system keeps its own rows.
"""
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from shared.persistence.engine import make_engine

from .base import TransientError
from .models import TransportationAcknowledgement, TransportationJournalId, TransportationSyncDocument
from .oagis_bods import Acknowledgement, SyncRecord

ACK_FIELDS = ("bod_id", "correlation_id", "original_bod_id", "accepted", "legacy_id", "external_reference", "status",
              "reason_code", "reason")
SYNC_FIELDS = ("bod_id", "legacy_id", "external_reference", "status", "resolution", "changed_at")
_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


class TransportationJournal:
    """Acknowledgements by correlation id, Sync documents by arrival; the same document kept once."""

    def __init__(self, system: str, database_url: str, retention: timedelta):
        self._system = system
        self._url = database_url
        self._retention = retention
        self._engine = None  # made on first use: building a client touches nothing

    def identity(self) -> str:
        """This journal's random id: a cursor numbered in another journal does not apply here."""
        with self._transaction() as connection:
            self._keep(connection, TransportationJournalId, {"journal_id": uuid.uuid4().hex})
            return connection.execute(select(TransportationJournalId.journal_id)
                                      .where(TransportationJournalId.system == self._system)).scalar_one()

    def record_acknowledgement(self, ack: Acknowledgement) -> None:
        """Keep an Acknowledge (again is a no-op)."""
        with self._transaction() as connection:
            self._keep(connection, TransportationAcknowledgement,
                       {**{field: getattr(ack, field) for field in ACK_FIELDS}, "received_at": _now()})

    def acknowledgements(self, correlation_id: str) -> list[Acknowledgement]:
        """Every Acknowledge kept for this correlation id, in the order they arrived."""
        table = TransportationAcknowledgement
        with self._transaction() as connection:
            rows = connection.execute(select(*(getattr(table, field) for field in ACK_FIELDS))
                                      .where(table.system == self._system, table.correlation_id == correlation_id)
                                      .order_by(table.arrival)).all()
        return [Acknowledgement(*row[:3], bool(row[3]), *row[4:]) for row in rows]

    def record_sync(self, record: SyncRecord) -> None:
        """Keep a Sync document (again is a no-op)."""
        values = {field: getattr(record, field) for field in SYNC_FIELDS}
        with self._transaction() as connection:
            self._keep(connection, TransportationSyncDocument,
                       dict(values, changed_at=record.changed_at.isoformat(), received_at=_now()))

    def sync_after(self, seq: int, limit: int) -> list[tuple[int, SyncRecord]]:
        """Up to ``limit`` Sync documents that arrived after number ``seq``, in arrival order."""
        table = TransportationSyncDocument
        with self._transaction() as connection:
            rows = connection.execute(select(table.seq, *(getattr(table, field) for field in SYNC_FIELDS))
                                      .where(table.system == self._system, table.seq > seq)
                                      .order_by(table.seq).limit(limit)).all()
        return [(row[0], SyncRecord(*row[1:-1], datetime.fromisoformat(row[-1]))) for row in rows]

    def prune(self) -> None:
        """Forget what arrived longer ago than the retention period."""
        cutoff = _now() - self._retention
        with self._transaction() as connection:
            for table in (TransportationAcknowledgement, TransportationSyncDocument):
                connection.execute(delete(table).where(table.system == self._system, table.received_at < cutoff))

    def _keep(self, connection, model, values: dict) -> None:
        """Insert the row unless its key is there already (another instance may take the same document)."""
        insert = _DIALECTS[connection.dialect.name].insert(model.__table__).on_conflict_do_nothing()
        connection.execute(insert, dict(values, system=self._system))

    @contextmanager
    def _transaction(self):
        # committed on a clean exit; the database away is the journal away: try again later
        try:
            if self._engine is None:
                self._engine = make_engine(self._url)
            with self._engine.begin() as connection:
                yield connection
        except (SQLAlchemyError, OSError) as error:
            raise TransientError(self._system, f"journal: {error}") from None


def _now() -> datetime:
    return datetime.now(timezone.utc)
