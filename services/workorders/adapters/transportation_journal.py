"""The city's own durable record of what it took off the Transportation queues, in the workorders database.

A message is removed from its queue only after it is written here, so nothing
taken is lost: an Acknowledge that came after create() gave up is found by
find_by_reference, and Sync documents stay here (numbered in the order they
arrived) until the caller's cursor has moved past them and they are old. In the
service's own database (tables of the workorders migrations), every instance on
every host reads the same journal; each system keeps its own rows.
"""
from datetime import datetime

from sqlalchemy import delete, select

from .journal_database import DatabaseJournal, _now
from .models import TransportationAcknowledgement, TransportationJournalId, TransportationSyncDocument
from .oagis_bods import Acknowledgement, SyncRecord

ACK_FIELDS = ("bod_id", "correlation_id", "original_bod_id", "accepted", "legacy_id", "external_reference", "status",
              "reason_code", "reason")
SYNC_FIELDS = ("bod_id", "legacy_id", "external_reference", "status", "resolution", "changed_at")


class TransportationJournal(DatabaseJournal):
    """Acknowledgements by correlation id, Sync documents by arrival; the same document kept once."""
    IDENTITY = TransportationJournalId

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
        cutoff = self._cutoff()
        with self._transaction() as connection:
            for table in (TransportationAcknowledgement, TransportationSyncDocument):
                connection.execute(delete(table).where(table.system == self._system, table.received_at < cutoff))
