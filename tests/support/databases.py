"""Databases for a test system: SQLite files, or fresh PostgreSQL databases when a server is reachable."""
import os
import uuid
from contextlib import contextmanager

SERVICES = ("intake", "routing", "workorders", "notifications", "metrics")
POSTGRES_ADMIN_URL = os.environ.get("CITY311_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_reachable():
    try:
        import psycopg2
        psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
        return True
    except Exception:
        return False


def _admin():
    import psycopg2
    connection = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=5)
    connection.autocommit = True
    return connection


def _url_for(name):
    from sqlalchemy.engine import make_url
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


@contextmanager
def database_urls(backend, workdir):
    """Yield {service: url} on `backend` ('sqlite' or 'postgresql'); PostgreSQL databases are dropped after."""
    if backend == "sqlite":
        yield {s: f"sqlite:///{workdir}/{s}.sqlite" for s in SERVICES}
        return
    names = {s: f"c311_{s}_{uuid.uuid4().hex[:8]}" for s in SERVICES}
    connection = _admin()   # not `with connection`: that opens a transaction, and CREATE DATABASE refuses one
    with connection.cursor() as cursor:
        for name in names.values():
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    try:
        yield {s: _url_for(n) for s, n in names.items()}
    finally:
        connection = _admin()
        with connection.cursor() as cursor:
            for name in names.values():
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.close()
