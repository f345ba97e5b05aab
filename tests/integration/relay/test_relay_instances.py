"""Two instances of a service, two relays on one PostgreSQL outbox: each event goes out once, each request in order."""
import json
import threading

import pytest
from kombu import Connection, Queue
from sqlalchemy import func, select

from shared.persistence.tables import metadata, outbox
from tests.integration.conftest import _require
from tests.integration.relay.conftest import Outbox
from tests.support.bus import event_exchange
from tests.support.databases import database_urls
from tests.support.waiting import wait_until

REQUESTS = [f"26-00001{n:02d}" for n in range(6)]
EVENTS_PER_REQUEST = 5


@pytest.fixture
def postgres_outbox(tmp_path):
    _require("postgresql")
    with database_urls("postgresql", tmp_path) as urls:
        box = Outbox(urls["intake"])
        metadata.create_all(box.engine)
        try:
            yield box
        finally:
            box.engine.dispose()


def _both_claim_before_either_publishes(relays):
    """Each relay's first publish waits until the other relay reached its own: both have read their first batch."""
    barrier = threading.Barrier(len(relays), timeout=30)
    for relay in relays:
        publish = relay._publisher.publish

        def first_waits(messages, publish=publish, waited=[]):
            if not waited:
                waited.append(True)
                barrier.wait()
            return publish(messages)
        relay._publisher.publish = first_waits


def _unpublished(box):
    with box.sessions() as session:
        return session.execute(select(func.count()).where(outbox.c.published_at.is_(None))).scalar()


def _delivered(uri, queue):
    """Every message on `queue`, in arrival order, as (correlation_id, event_id)."""
    with Connection(uri) as connection:
        channel = connection.channel()
        received = []
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            body = json.loads(message.body)
            received.append((body["correlation_id"], body["event_id"]))
        return received


@pytest.mark.postgres
def test_two_relays_on_one_outbox_publish_each_event_once_and_each_requests_events_in_order(postgres_outbox,
                                                                                            amqp_uri):
    with Connection(amqp_uri) as connection:
        Queue("relay-instances", exchange=event_exchange("intake"), routing_key="RequestStatusChanged",
              durable=False)(connection.channel()).declare()
        recorded = {request: [] for request in REQUESTS}
        for _ in range(EVENTS_PER_REQUEST):   # interleaved, as the requests' handlers would commit them
            for request in REQUESTS:
                row_id = postgres_outbox.record("RequestStatusChanged", request)
                recorded[request].append(postgres_outbox.row(row_id).event_id)
        relays = [postgres_outbox.relay(amqp_uri, batch_size=2, poll_interval=0.05) for _ in range(2)]
        _both_claim_before_either_publishes(relays)
        threads = [threading.Thread(target=relay.run, daemon=True) for relay in relays]
        for thread in threads:
            thread.start()

        wait_until(lambda: _unpublished(postgres_outbox) == 0, 60, what="the relays to publish every event")
        for relay, thread in zip(relays, threads):
            relay.stop()
            thread.join(30)
        assert not any(thread.is_alive() for thread in threads)

        delivered = _delivered(amqp_uri, "relay-instances")   # confirmed, so already on the queue
    assert len(delivered) == len(REQUESTS) * EVENTS_PER_REQUEST, "each event published exactly once"
    assert sorted(event_id for _, event_id in delivered) == sorted(sum(recorded.values(), []))
    for request in REQUESTS:
        assert [event_id for of, event_id in delivered if of == request] == recorded[request]
