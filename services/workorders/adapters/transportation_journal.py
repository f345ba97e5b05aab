"""The city's own durable record of what it took off the Transportation queues (a small SQLite file).

A message is removed from its queue only after it is written here, so nothing
taken is lost: an Acknowledge that came after create() gave up is found by
find_by_reference, and Sync documents stay here (numbered in the order they
arrived) until the caller's cursor has moved past them and they are old.
"""
from datetime import datetime

from .journal_file import SqliteJournal, now
from .oagis_bods import Acknowledgement, SyncRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS acknowledgements (
    bod_id TEXT PRIMARY KEY, correlation_id TEXT NOT NULL, original_bod_id TEXT NOT NULL,
    accepted INTEGER NOT NULL, legacy_id TEXT, external_reference TEXT, status TEXT,
    reason_code TEXT, reason TEXT, received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS acknowledgements_by_correlation ON acknowledgements (correlation_id);
CREATE TABLE IF NOT EXISTS sync_documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, bod_id TEXT NOT NULL UNIQUE, legacy_id TEXT NOT NULL,
    external_reference TEXT NOT NULL, status TEXT NOT NULL, resolution TEXT, changed_at TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_documents_by_arrival ON sync_documents (received_at);
"""
ACK_FIELDS = ("bod_id", "correlation_id", "original_bod_id", "accepted", "legacy_id", "external_reference", "status",
              "reason_code", "reason")
SYNC_FIELDS = ("bod_id", "legacy_id", "external_reference", "status", "resolution", "changed_at")


class TransportationJournal(SqliteJournal):
    """Acknowledgements by correlation id, Sync documents by arrival; the same document kept once."""
    SCHEMA = SCHEMA

    def record_acknowledgement(self, ack: Acknowledgement) -> None:
        """Keep an Acknowledge (again is a no-op)."""
        self._insert("acknowledgements", ACK_FIELDS, [getattr(ack, field) for field in ACK_FIELDS])

    def acknowledgements(self, correlation_id: str) -> list[Acknowledgement]:
        """Every Acknowledge kept for this correlation id, in the order they arrived."""
        rows = self._select(f"SELECT {', '.join(ACK_FIELDS)} FROM acknowledgements WHERE correlation_id = ?"
                            " ORDER BY rowid", (correlation_id,))
        return [Acknowledgement(*row[:3], bool(row[3]), *row[4:]) for row in rows]

    def record_sync(self, record: SyncRecord) -> None:
        """Keep a Sync document (again is a no-op)."""
        values = [getattr(record, field) for field in SYNC_FIELDS]
        self._insert("sync_documents", SYNC_FIELDS, [*values[:-1], values[-1].isoformat()])

    def sync_after(self, seq: int, limit: int) -> list[tuple[int, SyncRecord]]:
        """Up to ``limit`` Sync documents that arrived after number ``seq``, in arrival order."""
        rows = self._select(f"SELECT seq, {', '.join(SYNC_FIELDS)} FROM sync_documents WHERE seq > ?"
                            " ORDER BY seq LIMIT ?", (seq, limit))
        return [(row[0], SyncRecord(*row[1:-1], datetime.fromisoformat(row[-1]))) for row in rows]

    def prune(self) -> None:
        """Forget what arrived longer ago than the retention period."""
        cutoff = self._cutoff()
        with self._connect() as db:
            db.execute("DELETE FROM acknowledgements WHERE received_at < ?", (cutoff,))
            db.execute("DELETE FROM sync_documents WHERE received_at < ?", (cutoff,))

    def _insert(self, table: str, fields: tuple[str, ...], values: list) -> None:
        marks = ", ".join("?" for _ in range(len(fields) + 1))
        with self._connect() as db:
            db.execute(f"INSERT OR IGNORE INTO {table} ({', '.join(fields)}, received_at) VALUES ({marks})",
                       [*values, now()])
