"""What the city sent a department on direct events, and the status reports it took back (a small SQLite file).

A work order is written here once the broker confirmed its message, so
find_by_reference never answers with one the department was not sent. A
status report is written here before it leaves the status queue, numbered in
arrival order, and kept until the caller's cursor has moved past it and it is old.
"""
from dataclasses import dataclass

from .journal_file import SqliteJournal, now

SCHEMA = """
CREATE TABLE IF NOT EXISTS work_orders (
    work_order_id TEXT PRIMARY KEY, reference TEXT NOT NULL, generation INTEGER NOT NULL,
    state TEXT NOT NULL, published_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS work_orders_by_reference ON work_orders (reference);
CREATE TABLE IF NOT EXISTS status_reports (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, update_id TEXT NOT NULL UNIQUE, work_order_id TEXT NOT NULL,
    reference TEXT NOT NULL, status TEXT NOT NULL, changed_at TEXT NOT NULL, resolution TEXT,
    received_at TEXT NOT NULL
);
"""
REPORT_FIELDS = ("update_id", "work_order_id", "reference", "status", "changed_at", "resolution")


@dataclass(frozen=True)
class StatusReport:
    """A department's status report as kept (reference = our tracking id)."""
    update_id: str
    work_order_id: str
    reference: str
    status: str
    changed_at: str
    resolution: str | None


class DirectJournal(SqliteJournal):
    """Work orders by tracking id (state open or cancelled), status reports by arrival."""
    SCHEMA = SCHEMA

    def open_order(self, reference: str) -> str | None:
        """The work order id sent for this tracking id and not cancelled since, if any."""
        rows = self._select("SELECT work_order_id FROM work_orders WHERE reference = ? AND state = 'open'"
                            " ORDER BY generation DESC LIMIT 1", (reference,))
        return rows[0][0] if rows else None

    def last_generation(self, reference: str) -> int:
        """How many work orders this tracking id had here (a re-route back makes a new one)."""
        return self._select("SELECT COALESCE(MAX(generation), 0) FROM work_orders WHERE reference = ?",
                            (reference,))[0][0]

    def reference_of(self, work_order_id: str) -> str | None:
        rows = self._select("SELECT reference FROM work_orders WHERE work_order_id = ?", (work_order_id,))
        return rows[0][0] if rows else None

    def record_order(self, work_order_id: str, reference: str, generation: int) -> None:
        """Keep a work order the department was sent (again is a no-op)."""
        self._execute("INSERT OR IGNORE INTO work_orders VALUES (?, ?, ?, 'open', ?)",
                      (work_order_id, reference, generation, now()))

    def set_state(self, work_order_id: str, state: str) -> None:
        self._execute("UPDATE work_orders SET state = ? WHERE work_order_id = ?", (state, work_order_id))

    def record_report(self, report: StatusReport) -> None:
        """Keep a status report (the same update_id again is a no-op)."""
        marks = ", ".join("?" for _ in range(len(REPORT_FIELDS) + 1))
        self._execute(f"INSERT OR IGNORE INTO status_reports ({', '.join(REPORT_FIELDS)}, received_at)"
                      f" VALUES ({marks})", (*(getattr(report, f) for f in REPORT_FIELDS), now()))

    def reports_after(self, seq: int, limit: int) -> list[tuple[int, StatusReport]]:
        """Up to `limit` reports that arrived after number `seq`, in arrival order."""
        rows = self._select(f"SELECT seq, {', '.join(REPORT_FIELDS)} FROM status_reports WHERE seq > ?"
                            " ORDER BY seq LIMIT ?", (seq, limit))
        return [(row[0], StatusReport(*row[1:])) for row in rows]

    def prune(self) -> None:
        """Forget reports that arrived longer ago than the retention period (work orders stay)."""
        self._execute("DELETE FROM status_reports WHERE received_at < ?", (self._cutoff(),))
