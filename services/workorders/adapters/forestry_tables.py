"""The Forestry interface tables as the city sees them, and the connection to the department's database.

Only the columns the city reads or writes; the department creates and owns
the tables (legacy_systems/forestry/PROTOCOL.md). Database trouble of any kind
is a TransientError: nothing is wrong with the request itself.
"""
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, create_engine
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from .base import TransientError

_METADATA = MetaData()


def _answer_columns() -> list[Column]:
    return [Column("PROCESS_STATUS", String(1)), Column("ERROR_CODE", String(8)), Column("ERROR_MESSAGE", String(400))]


REQUESTS = Table(
    "WO_REQUEST_IFACE", _METADATA,
    Column("IFACE_ID", Integer, primary_key=True), Column("EXT_REF", String(64)), Column("CATEGORY_CODE", String(8)),
    Column("PRIORITY_CODE", String(1)), Column("DESCRIPTION", String(2000)), Column("ADDRESS", String(200)),
    Column("LATITUDE", Float), Column("LONGITUDE", Float), Column("SUBMITTED_AT", DateTime),
    Column("WORK_ORDER_NO", String(16)), Column("WO_STATUS", String(8)), *_answer_columns())

CANCELLATIONS = Table(
    "WO_CANCEL_IFACE", _METADATA,
    Column("IFACE_ID", Integer, primary_key=True), Column("WORK_ORDER_NO", String(16)), Column("REASON", String(400)),
    Column("SUBMITTED_AT", DateTime), *_answer_columns())

STATUS_LOG = Table(
    "WO_STATUS_LOG", _METADATA,
    Column("LOG_ID", Integer, primary_key=True), Column("WORK_ORDER_NO", String(16)), Column("EXT_REF", String(64)),
    Column("STATUS_CODE", String(8)), Column("RESOLUTION_CODE", String(8)), Column("CHANGED_AT", DateTime))


class InterfaceDatabase:
    """Short transactions on the department's database; every failure becomes a TransientError."""

    def __init__(self, system: str, url: str):
        self._system = system
        self._url = make_url(url)
        connect_args = {"timeout": 15} if self._url.get_backend_name() == "sqlite" else {"connect_timeout": 10}
        self._engine = create_engine(self._url, pool_pre_ping=True, connect_args=connect_args)

    @contextmanager
    def transaction(self):
        """A connection in a transaction, committed when the block ends cleanly."""
        self._check_sqlite_file()
        try:
            with self._engine.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            reason = getattr(error, "orig", None) or type(error).__name__  # never the statement: it holds descriptions
            raise TransientError(self._system, f"interface database: {reason}") from None

    def read(self, statement) -> list[dict]:
        """The rows of one query, as dicts."""
        with self.transaction() as connection:
            return [dict(row) for row in connection.execute(statement).mappings()]

    def _check_sqlite_file(self) -> None:
        # SQLite would quietly create an empty file where the department's database should be
        if self._url.get_backend_name() == "sqlite" and not Path(self._url.database or "").is_file():
            raise TransientError(self._system, f"interface database file {self._url.database} does not exist")


def insert_returning_id(connection: Connection, table: Table, values: dict) -> int:
    """Insert one row, its text cut to the column widths (MariaDB refuses longer text), and return its id."""
    fitted = {name: value[: table.c[name].type.length] if isinstance(value, str) else value
              for name, value in values.items()}
    return connection.execute(table.insert().values(**fitted)).inserted_primary_key[0]
