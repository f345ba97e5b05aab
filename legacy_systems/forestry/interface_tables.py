"""The Forestry interface tables (see PROTOCOL.md) and the database that holds them.

SQLite (a file in the data dir) by default, MariaDB / MySQL when a
``mysql+pymysql://`` URL is configured. Times are naive UTC with milliseconds.
"""
import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import Column, DateTime, Float, Integer, MetaData, String, Table, create_engine, event
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Engine, make_url

from legacy_systems.common.timestamps import utc_now

log = logging.getLogger("database")

TIMESTAMP = DateTime().with_variant(mysql.DATETIME(fsp=3), "mysql", "mariadb")
METADATA = MetaData()


def _answer_columns() -> list[Column]:
    """What the job writes back on a row it took: P(rocessed) or E(rror), when, and why not."""
    return [Column("PROCESS_STATUS", String(1), nullable=False, server_default="N", index=True),
            Column("ERROR_CODE", String(8)), Column("ERROR_MESSAGE", String(400)), Column("PROCESSED_AT", TIMESTAMP)]


REQUESTS = Table(
    "WO_REQUEST_IFACE", METADATA,
    Column("IFACE_ID", Integer, primary_key=True, autoincrement=True),
    Column("EXT_REF", String(64), nullable=False, index=True),
    Column("CATEGORY_CODE", String(8), nullable=False),
    Column("PRIORITY_CODE", String(1)),
    Column("DESCRIPTION", String(2000), nullable=False),
    Column("ADDRESS", String(200)),
    Column("LATITUDE", Float),
    Column("LONGITUDE", Float),
    Column("SUBMITTED_AT", TIMESTAMP, nullable=False),
    Column("WORK_ORDER_NO", String(16)),
    Column("WO_STATUS", String(8)),
    *_answer_columns(),
    sqlite_autoincrement=True)

CANCELLATIONS = Table(
    "WO_CANCEL_IFACE", METADATA,
    Column("IFACE_ID", Integer, primary_key=True, autoincrement=True),
    Column("WORK_ORDER_NO", String(16), nullable=False),
    Column("REASON", String(400), nullable=False),
    Column("SUBMITTED_AT", TIMESTAMP, nullable=False),
    *_answer_columns(),
    sqlite_autoincrement=True)

STATUS_LOG = Table(
    "WO_STATUS_LOG", METADATA,
    Column("LOG_ID", Integer, primary_key=True, autoincrement=True),
    Column("WORK_ORDER_NO", String(16)),
    Column("EXT_REF", String(64), index=True),
    Column("STATUS_CODE", String(8)),
    Column("RESOLUTION_CODE", String(8)),
    Column("CHANGED_AT", TIMESTAMP),
    Column("LOGGED_AT", TIMESTAMP, nullable=False),
    sqlite_autoincrement=True)


def open_database(url: str) -> Engine:
    """Connect and create the interface tables if they are missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 15})
        event.listen(engine, "connect", _sqlite_write_ahead_log)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_recycle=3600)
    METADATA.create_all(engine)
    log.info("interface tables ready in %s", parsed.render_as_string(hide_password=True))
    return engine


def _sqlite_write_ahead_log(connection, _record) -> None:
    # the city's adapter reads and writes the same file from another process
    connection.execute("PRAGMA journal_mode=WAL")


def now() -> datetime:
    """The current time as the tables store it: naive UTC, whole milliseconds."""
    moment = utc_now().replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
