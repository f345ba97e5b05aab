"""A small SQLite file an adapter keeps of what it took from, or sent to, a department's queues.

Subclasses give SCHEMA (their tables); every journal also has a random identity,
so a cursor numbered in one journal file is never applied to another.
"""
import sqlite3
from contextlib import closing, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .base import TransientError

IDENTITY = """
CREATE TABLE IF NOT EXISTS journal (journal_id TEXT NOT NULL);
INSERT INTO journal (journal_id) SELECT lower(hex(randomblob(16))) WHERE NOT EXISTS (SELECT 1 FROM journal);
"""


class SqliteJournal:
    SCHEMA = ""

    def __init__(self, system: str, path: Path, retention: timedelta):
        self._system = system
        self._path = path
        self._retention = retention
        self._ready = False  # the file and its tables are made on first use

    def identity(self) -> str:
        """This journal file's random id: a cursor numbered in another journal does not apply here."""
        return self._select("SELECT journal_id FROM journal", ())[0][0]

    def _cutoff(self) -> str:
        return (datetime.now(timezone.utc) - self._retention).isoformat()

    def _execute(self, sql: str, params: tuple) -> None:
        with self._connect() as db:
            db.execute(sql, params)

    def _select(self, sql: str, params: tuple) -> list[tuple]:
        with self._connect() as db:
            return db.execute(sql, params).fetchall()

    @contextmanager
    def _connect(self):
        # a fresh connection per call: safe from any thread or greenlet; committed on a clean exit, always closed
        try:
            if not self._ready:
                self._path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self._path, timeout=15)) as connection, connection:
                if not self._ready:
                    connection.executescript(self.SCHEMA + IDENTITY)
                    self._ready = True
                yield connection
        except (sqlite3.Error, OSError) as error:
            raise TransientError(self._system, f"journal {self._path}: {error}") from None


def now() -> str:
    return datetime.now(timezone.utc).isoformat()
