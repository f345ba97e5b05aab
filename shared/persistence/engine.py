"""Engines that behave under eventlet: SQLite for development, PostgreSQL in production."""
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
        import os
        os.makedirs(os.path.dirname(os.path.abspath(parsed.database)), exist_ok=True)
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


def _make_psycopg2_green():
    """Let psycopg2 wait through eventlet's hub instead of blocking it (idempotent)."""
    import eventlet.patcher
    if not eventlet.patcher.is_monkey_patched("socket"):
        return  # not running under eventlet (a CLI or a plain test): blocking is fine
    import psycopg2.extensions
    from psycogreen.eventlet import patch_psycopg
    if psycopg2.extensions.get_wait_callback() is None:
        patch_psycopg()
