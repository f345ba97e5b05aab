"""Engines that behave under eventlet: SQLite for development, PostgreSQL in production."""
import os

from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url


def make_engine(url, **kw):
    """Create an engine for `url`, configured for cooperative (eventlet) workers.

    SQLite: one connection per process (greenthreads take turns; the sqlite3
    driver never yields, so two greenthreads interleaving transactions on one
    file would deadlock on its lock), WAL and a busy timeout for the other
    processes. PostgreSQL: psycopg2 made cooperative by psycogreen.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kw)
    if parsed.get_backend_name() == "postgresql":
        _make_psycopg2_green()
        kw.setdefault("pool_size", 10)
        kw.setdefault("max_overflow", 10)
    kw.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kw)


def _sqlite_engine(parsed, **kw):
    if parsed.database and parsed.database != ":memory:":
        _owner_only(os.path.abspath(parsed.database))
    engine = create_engine(parsed, pool_size=1, max_overflow=0, pool_timeout=60,
                           connect_args={"timeout": 30, "check_same_thread": False}, **kw)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _owner_only(path):
    """Create the database file readable by its owner only (it holds residents' contact details), or close an
    existing one to others. SQLite gives its -wal and -shm files the database file's permissions."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    for name in (path, f"{path}-wal", f"{path}-shm"):
        try:
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            pass


def _make_psycopg2_green():
    """Let psycopg2 wait through eventlet's hub instead of blocking it (idempotent)."""
    import eventlet.patcher
    if not eventlet.patcher.is_monkey_patched("socket"):
        return  # not running under eventlet (a CLI or a plain test): blocking is fine
    import psycopg2.extensions
    from psycogreen.eventlet import patch_psycopg
    if psycopg2.extensions.get_wait_callback() is None:
        patch_psycopg()
