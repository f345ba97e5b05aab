"""The analysts' stream on a real RabbitMQ: facts committed → outbox → relay (confirms) → stream,
replayed from the beginning, an offset or a timestamp, and followed live."""
import csv
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timezone

import pytest
from kombu import Connection
from nameko import config
from sqlalchemy.orm import sessionmaker

from services.metrics import facts, stream, subscriber
from shared.messaging.relay import OutboxRelay
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.integration.metrics.stream_reader import Collect, read
from tests.support.broker import isolated_vhost
from tests.support.processes import ROOT
from tests.support.waiting import wait_until
from tests.unit.metrics.timed_events import lifecycle, timed

PERSONAL = ("Ana", "ana@example.org", "404-555-0134", "Deep pothole", "55 Trinity")


@pytest.fixture(scope="module")
def amqp_uri():
    with isolated_vhost() as uri:
        yield uri


class StreamBench:
    """A metrics database, its outbox relay and a stream of its own on the test vhost."""

    def __init__(self, uri, database_url):
        self.uri, self.queue = uri, f"metrics.stream.{uuid.uuid4().hex[:8]}"
        self.sessions = sessionmaker(make_engine(database_url), expire_on_commit=False)
        self.relay = OutboxRelay(self.sessions, uri, "metrics")

    def fold(self, events):
        with config.patch({"STREAM_QUEUE": self.queue}):
            for event in events:
                with UnitOfWork(self.sessions, "metrics") as uow:
                    facts.record(uow, event)

    def publish(self):
        while self.relay.relay_batch():
            pass

    def read(self, start):
        return read(self.uri, self.queue, start)


@pytest.fixture
def bench(amqp_uri, tmp_path):
    url = f"sqlite:///{tmp_path}/metrics.sqlite"
    upgrade("metrics", url)
    bench = StreamBench(amqp_uri, url)
    with config.patch({"STREAM_QUEUE": bench.queue}), Connection(amqp_uri) as connection:
        stream.declare(connection)
    return bench


def test_the_stream_is_a_stream_queue_declared_by_the_service(bench):
    with config.patch({"STREAM_QUEUE": bench.queue}):
        assert stream.stream_queue().queue_arguments["x-queue-type"] == "stream"
    with Connection(bench.uri) as connection:  # passive: it exists
        connection.default_channel.queue_declare(bench.queue, passive=True)


def test_replay_from_the_beginning_and_from_an_offset(bench):
    bench.fold(lifecycle())
    bench.publish()
    everything = bench.read("first")
    assert [offset for offset, _ in everything] == list(range(10))
    assert all(body["kind"] == "request_fact" and body["data"]["service_request_id"] == "26-0000123"
               for _, body in everything)
    assert everything[-1][1]["data"]["survey_satisfaction"] == 2
    assert not [p for p in PERSONAL if p in str(everything)]
    assert [offset for offset, _ in bench.read(7)] == [7, 8, 9]


def test_replay_from_a_timestamp_skips_what_came_before(bench):
    bench.fold(lifecycle("26-0000001"))
    bench.publish()
    time.sleep(1.5)  # the broker attaches by chunk timestamp, to the second
    moment = datetime.now(timezone.utc)
    bench.fold(lifecycle("26-0000002"))
    bench.publish()
    later = bench.read(moment)
    assert {body["data"]["service_request_id"] for _, body in later} == {"26-0000002"}
    assert len(later) == 10


def test_a_subscriber_keeps_following_live(bench):
    bench.fold(lifecycle("26-0000001")[:3])
    bench.publish()
    sink = Collect()
    follower = threading.Thread(target=subscriber.follow, args=(bench.uri, bench.queue, "first", sink),
                                kwargs={"limit": 5, "idle_exit": 30}, daemon=True)
    follower.start()
    wait_until(lambda: sink.count == 3, 15, what="the follower to replay the first three")
    bench.fold([timed("WorkOrderCreated", 1, "26-0000001"), timed("WorkOrderFailed", 2, "26-0000001")])
    bench.publish()
    follower.join(20)
    assert not follower.is_alive() and [o for o, _ in sink.messages] == [0, 1, 2, 3, 4]
    assert sink.messages[-1][1]["data"]["work_order_failed"] is True


def test_a_rolled_back_fact_never_reaches_the_stream(bench):
    with config.patch({"STREAM_QUEUE": bench.queue}), pytest.raises(RuntimeError):
        with UnitOfWork(bench.sessions, "metrics") as uow:
            facts.record(uow, timed("RequestCreated", 0))
            raise RuntimeError("the handler failed after folding")
    bench.fold([timed("RequestCreated", 0, "26-0000009")])
    bench.publish()
    assert [body["data"]["service_request_id"] for _, body in bench.read("first")] == ["26-0000009"]


def test_the_subscriber_command_writes_csv(bench, tmp_path):
    bench.fold(lifecycle())
    bench.publish()
    out = tmp_path / "facts.csv"
    done = subprocess.run(
        [sys.executable, "-m", "services.metrics.subscriber", "--from", "beginning", "--csv", str(out),
         "--limit", "10", "--queue", bench.queue],
        cwd=ROOT, env=dict(os.environ, AMQP_URI=bench.uri, PYTHONWARNINGS="ignore"),
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 10 and rows[0]["offset"] == "0" and rows[0]["kind"] == "request_fact"
    assert rows[-1]["closed_at"] and rows[-1]["cause_event_type"] == "SurveyResponded"
    assert not [p for p in PERSONAL if p in out.read_text()]


def test_the_subscriber_rejects_a_bad_start():
    with pytest.raises(SystemExit):
        subscriber.main(["--from", "last tuesday"])
