"""A probe service (probe/service.py) on a vhost of its own, optionally behind a TCP proxy the test can cut."""
import json
from urllib.parse import urlparse, urlunparse

import pytest
import yaml
from kombu import Connection
from sqlalchemy import create_engine, func, select

from shared.events import new_event
from shared.messaging.deadletters import list_dead_letters
from shared.persistence.tables import metadata as shared_tables
from tests.integration.messaging.probe.service import applied, metadata
from tests.support.broker import isolated_vhost
from tests.support.bus import event_exchange
from tests.support.processes import NAMEKO, ROOT, Process, free_port
from tests.support.tcp_proxy import TcpProxy
from tests.support.waiting import wait_until

EXAMPLE = json.loads((ROOT / "shared" / "events" / "examples" / "RequestCreated.v1.json").read_text())
QUEUE = "evt-intake-RequestCreated--msgprobe.on_created"
DLQ = "msgprobe.dlq"


def request_created(n, description="routine"):
    sid = f"26-{n:07d}"
    return new_event("RequestCreated", dict(EXAMPLE, service_request_id=sid, description=description), sid, "intake")


class Probe:
    """The probe service as a child process, with what a test asks of it."""

    def __init__(self, workdir, amqp_uri, broker_uri, database_url, settings):
        self.workdir, self.amqp_uri, self.broker_uri = workdir, amqp_uri, broker_uri
        self.hold_dir = workdir / "hold"
        self.hold_dir.mkdir(exist_ok=True)
        port = free_port()
        self.config = workdir / "probe.yaml"
        self.configure(**{"DATABASE_URL": database_url, "AMQP_URI": amqp_uri, "HOLD_DIR": str(self.hold_dir),
                          "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}", "RETRY_DELAYS_SECONDS": [0.2, 0.4],
                          "OUTBOX_POLL_SECONDS": 0.2, "OUTAGE_BACKOFF_MAX_SECONDS": 1, **settings})
        self.process = Process("msgprobe", [NAMEKO, "run", "--config", str(self.config),
                                            "tests.integration.messaging.probe.service"],
                               None, f"http://127.0.0.1:{port}/health", workdir)
        self.engine = create_engine(database_url)

    def configure(self, **settings):
        current = yaml.safe_load(self.config.read_text()) if self.config.exists() else {}
        self.config.write_text(yaml.safe_dump({**current, **settings}))

    def start(self, wait=True):
        """Start the process; with `wait`, return once it is healthy and consuming its work queue."""
        self.process.start(wait=wait)
        if wait:
            wait_until(lambda: self.queue()[1] == 1 or not self.alive(), 60, what="the probe consuming")
            assert self.alive(), self.process.tail()
        return self

    def alive(self):
        return self.process.popen.poll() is None

    def publish(self, *events):
        with Connection(self.broker_uri, transport_options={"confirm_publish": True}) as connection:
            producer = connection.Producer()
            for event in events:
                producer.publish(json.dumps(event).encode(), exchange=event_exchange("intake"),
                                 routing_key="RequestCreated", content_type="application/json",
                                 content_encoding="utf-8", delivery_mode=2)

    def started(self, event):
        return (self.hold_dir / f"started-{event['correlation_id']}").exists()

    def release(self):
        (self.hold_dir / "release").touch()

    def times_applied(self, event):
        with self.engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(applied)
                                      .where(applied.c.event_id == event["event_id"])).scalar()

    def log(self):
        return self.process.log_path.read_text(errors="replace")

    def restart(self):
        self.process.stop()
        return self.start()

    def dead_letters(self, event=None):
        return [d for d in list_dead_letters(DLQ, self.broker_uri)
                if event is None or d["event_id"] == event["event_id"]]

    def queue(self, name=QUEUE):
        """(ready, consumers) of a queue."""
        with Connection(self.broker_uri) as connection:
            declared = connection.default_channel.queue_declare(name, passive=True)
            return declared.message_count, declared.consumer_count


@pytest.fixture
def vhost():
    with isolated_vhost() as uri:
        yield uri


@pytest.fixture
def proxy(vhost):
    """A TCP proxy to the broker; `through(uri)` is the same AMQP URI by way of the proxy."""
    parsed = urlparse(vhost)
    with TcpProxy(parsed.hostname, parsed.port or 5672) as running:
        running.through = lambda uri: urlunparse(urlparse(uri)._replace(
            netloc=f"{parsed.username}:{parsed.password}@127.0.0.1:{running.port}"))
        yield running


@pytest.fixture
def make_probe(vhost, tmp_path):
    """`make_probe(amqp_uri=..., database_url=..., **settings)` → a Probe (not started), stopped after the test."""
    probes = []

    def make(amqp_uri=None, database_url=None, **settings):
        database_url = database_url or f"sqlite:///{tmp_path}/probe.sqlite"
        engine = create_engine(database_url)
        shared_tables.create_all(engine)
        metadata.create_all(engine)
        engine.dispose()
        probes.append(Probe(tmp_path, amqp_uri or vhost, vhost, database_url, settings))
        return probes[-1]

    yield make
    for probe in probes:
        probe.process.stop()
        probe.engine.dispose()
