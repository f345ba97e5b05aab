"""An outbox on a real database and a vhost of the test's own, with a queue the test binds itself."""
import json

import pytest
from kombu import Connection, Queue
from sqlalchemy import select, update
from sqlalchemy.orm import sessionmaker

from shared.messaging.relay import OutboxRelay
from shared.persistence.engine import make_engine
from shared.persistence.tables import metadata, outbox
from shared.persistence.unit_of_work import UnitOfWork
from tests.integration.conftest import BACKENDS, _require
from tests.support.broker import isolated_vhost
from tests.support.bus import event_exchange
from tests.support.databases import database_urls
from tests.support.processes import ROOT

EXAMPLES = ROOT / "shared" / "events" / "examples"


@pytest.fixture
def amqp_uri():
    """A vhost of each test's own: which routing keys are bound is what these tests are about."""
    with isolated_vhost() as uri:
        yield uri


class Outbox:
    """Intake's outbox on a migrated database: record events as a handler would, look at the rows."""

    def __init__(self, url):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def record(self, event_type, correlation_id, routing_key=None):
        """Commit one event of `event_type` for request `correlation_id`; return its outbox row id.

        `routing_key` sends it somewhere else than its event type (somewhere nobody binds).
        """
        with UnitOfWork(self.sessions, "intake") as uow:
            event = uow.publish(event_type, json.loads((EXAMPLES / f"{event_type}.v1.json").read_text()),
                                correlation_id)
            if routing_key:
                uow.session.execute(update(outbox).where(outbox.c.event_id == event["event_id"])
                                    .values(routing_key=routing_key))
        return self.row_of(event["event_id"]).id

    def row_of(self, event_id):
        with self.sessions() as session:
            return session.execute(select(outbox).where(outbox.c.event_id == event_id)).one()

    def row(self, row_id):
        with self.sessions() as session:
            return session.execute(select(outbox).where(outbox.c.id == row_id)).one()

    def relay(self, amqp_uri, **settings):
        """A relay on this outbox; `settings` (park_after, max_retry_pause, ...) set as its attributes."""
        relay = OutboxRelay(self.sessions, amqp_uri, "intake")
        for name, value in settings.items():
            setattr(relay, name, value)
        return relay


@pytest.fixture(params=BACKENDS)
def intake_outbox(request, tmp_path):
    _require(request.param)
    with database_urls(request.param, tmp_path) as urls:
        box = Outbox(urls["intake"])
        metadata.create_all(box.engine)  # the outbox alone: migrations have their own test
        try:
            yield box
        finally:
            box.engine.dispose()


class BoundQueue:
    """A queue bound to intake's events exchange for the routing keys the test chooses, read in arrival order."""

    def __init__(self, uri, name, routing_keys):
        self._connection = Connection(uri)
        self._channel = self._connection.channel()
        self._exchange = event_exchange("intake")
        self._queue = Queue(name, exchange=self._exchange, durable=False, exclusive=True, auto_delete=True)
        self._queue(self._channel).declare()
        self.received = []
        for key in routing_keys:
            self.bind(key)

    def bind(self, routing_key):
        self._queue(self._channel).bind_to(self._exchange, routing_key)

    def drain(self):
        """Everything delivered so far, oldest first, as (event_type, correlation_id)."""
        while (message := self._channel.basic_get(self._queue.name, no_ack=True)) is not None:
            body = json.loads(message.body)
            self.received.append((body["event_type"], body["correlation_id"]))
        return self.received

    def close(self):
        self._connection.release()


@pytest.fixture
def bound_queue(amqp_uri):
    """`bound_queue(*routing_keys)` → a BoundQueue (the exchange is declared as nameko declares it)."""
    queues = []

    def bind(*routing_keys):
        queues.append(BoundQueue(amqp_uri, f"relay-test-{len(queues)}", routing_keys))
        return queues[-1]

    yield bind
    for queue in queues:
        queue.close()
