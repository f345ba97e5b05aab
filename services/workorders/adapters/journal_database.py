"""What every adapter journal in the workorders database shares: a transaction per call, keep-once inserts, an identity.

An adapter's journal keeps what it took from, or sent to, a department's queues in the service's own
database (tables of the workorders migrations, each row keyed by system): every instance on every host
reads the same journal. Each system's journal has a random identity, so a cursor numbered in one journal
is never applied to another.
"""
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from shared.persistence.engine import make_engine

from .base import TransientError

_DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


class DatabaseJournal:
    """One system's journal at ``database_url``; IDENTITY is the model of its (system, journal_id) rows."""
    IDENTITY = None

    def __init__(self, system: str, database_url: str, retention: timedelta):
        self._system = system
        self._url = database_url
        self._retention = retention
        self._engine = None  # made on first use: building a client touches nothing

    def identity(self) -> str:
        """This journal's random id: a cursor numbered in another journal does not apply here."""
        with self._transaction() as connection:
            self._keep(connection, self.IDENTITY, {"journal_id": uuid.uuid4().hex})
            return connection.execute(select(self.IDENTITY.journal_id)
                                      .where(self.IDENTITY.system == self._system)).scalar_one()

    def _cutoff(self) -> datetime:
        return _now() - self._retention

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
