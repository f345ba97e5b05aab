"""`reliable_event_handler(batch=True)` on the real broker: events that queue up are handled together in one
transaction, each exactly once; a bad event in a batch is retried and dead-lettered alone; nothing stays unacked."""
import json

import pytest
import yaml
from kombu import Connection
from sqlalchemy import create_engine, select

from shared.events import new_event
from shared.messaging.deadletters import list_dead_letters
from shared.persistence.tables import metadata as shared_tables
from tests.integration.batch_probe.service import applied, metadata
from tests.support.broker import isolated_vhost
from tests.support.bus import event_exchange
from tests.support.processes import NAMEKO, ROOT, Process, free_port
from tests.support.waiting import wait_until

EXAMPLE = json.loads((ROOT / "shared" / "events" / "examples" / "RequestCreated.v1.json").read_text())
QUEUE = "evt-intake-RequestCreated--batchprobe.on_created"


@pytest.fixture
def probe(tmp_path):
    with isolated_vhost() as uri:
        database = f"sqlite:///{tmp_path}/probe.sqlite"
        engine = create_engine(database)
        shared_tables.create_all(engine)
        metadata.create_all(engine)
        port = free_port()
        config = tmp_path / "probe.yaml"
        config.write_text(yaml.safe_dump({
            "AMQP_URI": uri, "DATABASE_URL": database, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
            "RETRY_DELAYS_SECONDS": [0.2, 0.4], "BATCH_MAX_EVENTS": 50}))
        process = Process("batchprobe", [NAMEKO, "run", "--config", str(config),
                                         "tests.integration.batch_probe.service"],
                          None, f"http://127.0.0.1:{port}/health", tmp_path)
        process.start()
        try:
            yield uri, engine, process
        finally:
            process.stop()
            engine.dispose()


def request_created(n, description="routine"):
    sid = f"26-{n:07d}"
    return new_event("RequestCreated", dict(EXAMPLE, service_request_id=sid, description=description), sid, "intake")


def publish(uri, events):
    with Connection(uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        for event in events:
            producer.publish(json.dumps(event).encode(), exchange=event_exchange("intake"),
                             routing_key="RequestCreated", content_type="application/json",
                             content_encoding="utf-8", delivery_mode=2)


def rows(engine):
    with engine.connect() as connection:
        return {row.service_request_id: row.batch_size for row in connection.execute(select(applied))}


def queue_depth(uri):
    with Connection(uri) as connection:
        return connection.default_channel.queue_declare(QUEUE, passive=True).message_count


def test_events_that_queue_up_are_handled_together_each_once(probe):
    uri, engine, process = probe
    publish(uri, [request_created(1, "slow")])            # holds the handler while the others arrive
    wait_until(lambda: queue_depth(uri) == 0, 15, what="the slow event taken")
    later = [request_created(n) for n in range(2, 32)]
    publish(uri, later + later[:5])                       # five of them delivered twice
    done = wait_until(lambda: len(rows(engine)) == 31 and rows(engine), 30, what="31 requests applied")
    sizes = sorted(set(done.values()))
    assert done["26-0000001"] == 1
    assert max(sizes) > 1, f"no batch formed behind the slow event: batch sizes {sizes}"
    process.stop()                                        # anything left unacked would be back in the queue
    assert queue_depth(uri) == 0


def test_a_bad_event_in_a_batch_is_dead_lettered_alone_and_the_others_go_through(probe):
    uri, engine, _ = probe
    publish(uri, [request_created(1, "slow")])
    wait_until(lambda: queue_depth(uri) == 0, 15, what="the slow event taken")
    publish(uri, [request_created(n) for n in range(2, 6)] + [request_created(6, "poison")]
            + [request_created(n) for n in range(7, 11)])
    done = wait_until(lambda: len(rows(engine)) == 9 and rows(engine), 30, what="the nine good requests applied")
    assert "26-0000006" not in done
    assert all(done[f"26-{n:07d}"] == 1 for n in (*range(2, 6), *range(7, 11))), done  # after the batch failed
    dead = wait_until(lambda: [d for d in list_dead_letters("batchprobe.dlq", uri)
                               if d["event_id"] and "poison" in (d["error"] or "")], 30, what="the dead letter")
    assert len(dead) == 1 and dead[0]["attempts"] == 3 and dead[0]["queue"] == QUEUE   # first try + 2 retries
    assert "ValueError: poison in 26-0000006" in dead[0]["error"]
    assert len(rows(engine)) == 9
