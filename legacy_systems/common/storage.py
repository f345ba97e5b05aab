"""SQLite storage of one simulator's work orders and their status history.

One connection guarded by a lock: the HTTP threads, the crew and the file
loops all go through it, and every method is one short transaction.
"""
import logging
import sqlite3
import threading
from pathlib import Path

from .timestamps import to_iso, utc_now

log = logging.getLogger("store")

SCHEMA = """
CREATE TABLE IF NOT EXISTS workorders (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    legacy_id TEXT UNIQUE,
    external_reference TEXT NOT NULL,
    category TEXT NOT NULL,
    description TEXT,
    address TEXT,
    lat REAL,
    long REAL,
    priority TEXT,
    status TEXT NOT NULL,
    resolution TEXT,
    created_at TEXT NOT NULL,
    modified_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS workorders_by_reference ON workorders (external_reference);
CREATE TABLE IF NOT EXISTS history (
    history_id INTEGER PRIMARY KEY AUTOINCREMENT,
    legacy_id TEXT NOT NULL REFERENCES workorders (legacy_id),
    status TEXT NOT NULL,
    resolution TEXT,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS history_by_time ON history (at);
CREATE TABLE IF NOT EXISTS feed_positions (
    feed TEXT PRIMARY KEY,
    history_id INTEGER NOT NULL
);
"""

DETAIL_COLUMNS = ("description", "address", "lat", "long", "priority")

CHANGES_QUERY = """
SELECT h.history_id, h.legacy_id, w.external_reference, h.status, h.resolution, h.at
FROM history h JOIN workorders w ON w.legacy_id = h.legacy_id
WHERE h.at >= ? AND h.at < ? ORDER BY h.at, h.history_id
"""

FEED_QUERY = """
SELECT h.history_id, h.legacy_id, w.external_reference, h.status, h.resolution, h.at
FROM history h JOIN workorders w ON w.legacy_id = h.legacy_id
WHERE h.history_id > ? ORDER BY h.history_id LIMIT ?
"""


class WorkOrderStore:
    """Work orders (as dicts) and every status they went through."""

    def __init__(self, path: Path, id_format: str):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._id_format = id_format
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    def create(self, external_reference: str, category: str, details: dict, status: str) -> dict:
        """Store a new work order in its initial status and give it the system's id."""
        now = to_iso(utc_now())
        values = [details.get(column) for column in DETAIL_COLUMNS]
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO workorders (external_reference, category, description, address, lat, long,"
                " priority, status, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [external_reference, category, *values, status, now, now])
            legacy_id = self._id_format.format(seq=cursor.lastrowid, year=now[:4])
            self._db.execute("UPDATE workorders SET legacy_id = ? WHERE seq = ?", (legacy_id, cursor.lastrowid))
            self._db.execute("INSERT INTO history (legacy_id, status, at) VALUES (?, ?, ?)", (legacy_id, status, now))
        log.info("created %s ref=%s category=%s status=%s", legacy_id, external_reference, category, status)
        return self.get(legacy_id)

    def set_status(self, legacy_id: str, status: str, resolution: str | None = None) -> dict:
        """Move a work order to a status and record the change in its history."""
        now = to_iso(utc_now())
        with self._lock, self._db:
            self._db.execute("UPDATE workorders SET status = ?, resolution = ?, modified_at = ? WHERE legacy_id = ?",
                             (status, resolution, now, legacy_id))
            self._db.execute("INSERT INTO history (legacy_id, status, resolution, at) VALUES (?, ?, ?, ?)",
                             (legacy_id, status, resolution, now))
        log.info("status %s -> %s%s", legacy_id, status, f" resolution={resolution}" if resolution else "")
        return self.get(legacy_id)

    def get(self, legacy_id: str) -> dict | None:
        """One work order, or None."""
        rows = self._query("SELECT * FROM workorders WHERE legacy_id = ?", (legacy_id,))
        return rows[0] if rows else None

    def find_by_reference(self, external_reference: str) -> list[dict]:
        """Every work order carrying this external reference, oldest first."""
        return self._query("SELECT * FROM workorders WHERE external_reference = ? ORDER BY seq",
                           (external_reference,))

    def in_statuses_other_than(self, statuses: set[str]) -> list[dict]:
        """Work orders whose status is none of ``statuses`` (the crew's open work)."""
        marks = ", ".join("?" for _ in statuses)
        return self._query(f"SELECT * FROM workorders WHERE status NOT IN ({marks}) ORDER BY seq", tuple(statuses))

    def all_with_history(self, external_reference: str | None = None) -> list[dict]:
        """Work orders (optionally one reference's) each with ``history``: [{status, at}]."""
        where, params = ("WHERE external_reference = ?", (external_reference,)) if external_reference else ("", ())
        workorders = self._query(f"SELECT * FROM workorders {where} ORDER BY seq", params)
        for workorder in workorders:
            workorder["history"] = self._query(
                "SELECT status, at FROM history WHERE legacy_id = ? ORDER BY history_id", (workorder["legacy_id"],))
        return workorders

    def changes_between(self, start_iso: str, end_iso: str = "9999") -> list[dict]:
        """Status changes with ``start_iso <= at < end_iso``, in the order they happened."""
        return self._query(CHANGES_QUERY, (start_iso, end_iso))

    def changes_after(self, history_id: int, limit: int) -> list[dict]:
        """Up to ``limit`` status changes recorded after ``history_id``, in the order they were recorded."""
        return self._query(FEED_QUERY, (history_id, limit))

    def feed_position(self, feed: str) -> int:
        """The last history id the job named ``feed`` has handed out (0 before its first run)."""
        rows = self._query("SELECT history_id FROM feed_positions WHERE feed = ?", (feed,))
        return rows[0]["history_id"] if rows else 0

    def set_feed_position(self, feed: str, history_id: int) -> None:
        """Remember how far the job named ``feed`` has got."""
        with self._lock, self._db:
            self._db.execute("INSERT INTO feed_positions (feed, history_id) VALUES (?, ?) ON CONFLICT (feed)"
                             " DO UPDATE SET history_id = excluded.history_id", (feed, history_id))

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def _query(self, sql: str, params: tuple) -> list[dict]:
        with self._lock:
            return [dict(row) for row in self._db.execute(sql, params).fetchall()]
