"""nameko DependencyProvider: a unit of work per use, the service's outbox relay, and its database's readiness."""
from datetime import timedelta

import eventlet
from nameko import config
from nameko.extensions import DependencyProvider
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from shared.messaging.relay import OutboxRelay
from shared.persistence.engine import make_engine
from shared.persistence.unit_of_work import UnitOfWork
from shared.production import enforce as enforce_production_settings
from shared.readiness import DATABASE, readiness_of, wait_for

PROBE_TIMEOUT_SECONDS = 5.0
DATABASE_UNREACHABLE = (DBAPIError, TimeoutError)


class UnitOfWorkProvider(DependencyProvider):
    """Injects a factory of units of work: `with self.uow() as uow: ...`.

    The transaction commits when the block exits cleanly and rolls back on an
    exception, inside the worker, so a failed commit fails the worker and the
    message is retried instead of being acked. The same provider runs the
    service's outbox relay for as long as the service runs.

    A database that does not answer `SELECT 1` at start is waited for with
    backoff (the service's /health says "waiting for the database"), and the
    same query at each health check tells when it stops answering. The
    injected factory carries the service's `readiness` for its health answer.
    """

    def setup(self):
        enforce_production_settings(self.container.service_name, config)  # every service has this provider
        url = config["DATABASE_URL"]
        self.engine = make_engine(url)
        # Its own connection, outside the pool: a health check never queues behind busy workers.
        self._probe_engine = create_engine(url, poolclass=NullPool)
        self.where = database_address(url)
        self.readiness = readiness_of(self.container)
        self.readiness.add_probe("database", self.where, self.select_one)
        try:  # asked before any extension starts, so the event handlers know whether to wait for it
            self.select_one()
        except DATABASE_UNREACHABLE as exc:
            self.readiness.waiting(DATABASE, "database", self.where, exc)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.relay = OutboxRelay(self.sessions, config["AMQP_URI"], self.container.service_name,
                                 batch_size=int(config.get("OUTBOX_BATCH_SIZE", 200)),
                                 poll_interval=float(config.get("OUTBOX_POLL_SECONDS", 1.0)),
                                 park_after=int(config.get("OUTBOX_PARK_AFTER", 10)),
                                 inbox_retention=timedelta(days=float(config.get("INBOX_RETENTION_DAYS", 30))))

    def start(self):
        if self.readiness.is_waiting(DATABASE):
            self.container.spawn_managed_thread(self._wait_for_database, identifier="wait-for-database")
        self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")

    def _wait_for_database(self):
        wait_for(self.select_one, self.readiness, DATABASE, "database", self.where, DATABASE_UNREACHABLE)

    def select_one(self):
        """The cheapest question the database answers; raises if it does not within PROBE_TIMEOUT_SECONDS."""
        with eventlet.Timeout(PROBE_TIMEOUT_SECONDS, TimeoutError(f"no answer in {PROBE_TIMEOUT_SECONDS:.0f} s")):
            with self._probe_engine.connect() as connection:
                connection.execute(text("SELECT 1"))

    def stop(self):
        self.relay.stop()

    def kill(self):
        self.relay.stop()

    def get_dependency(self, worker_ctx):
        return UnitOfWorkFactory(self.sessions, self.container.service_name, self.relay.wake, self.readiness)


def database_address(url):
    """Where the database is, for /health and the logs: host, port and name (a file for SQLite), no user."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        return url.database or ":memory:"
    return f"{url.host}{f':{url.port}' if url.port else ''}/{url.database}"


class UnitOfWorkFactory:
    """A service's `self.uow`: `self.uow()` is a new unit of work; `self.uow.readiness` answers /health."""

    def __init__(self, sessions, producer, on_commit, readiness):
        self._sessions, self._producer, self._on_commit = sessions, producer, on_commit
        self.readiness = readiness

    def __call__(self):
        return UnitOfWork(self._sessions, self._producer, on_commit=self._on_commit)
