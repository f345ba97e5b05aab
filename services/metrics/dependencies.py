"""nameko dependencies of metrics: the jurisdiction's geography, the stream, handler health, a configured timer."""
import time
from datetime import datetime

from kombu import Connection
from nameko import config
from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from services.metrics import geography, prometheus, stream
from shared.config import project_path
from shared.messaging.entrypoints import ReliableEventHandler
from shared.readiness import broker_address, readiness_of, wait_for_broker


class JurisdictionGeography(DependencyProvider):
    """The time zone, districts and city limits of `JURISDICTION_DIR`, read once at start-up."""

    def setup(self):
        self.geography = geography.load(project_path(config.get("JURISDICTION_DIR", "deploy/jurisdictions/sample")))

    def get_dependency(self, worker_ctx):
        return self.geography


class MetricsStream(DependencyProvider):
    """Declares the analysts' stream when the service starts, so the outbox relay can deliver to it.

    While the broker is unreachable it waits (with backoff, in a managed thread) and /health says so.
    """

    def setup(self):
        self.readiness = readiness_of(self.container)
        where = broker_address(config["AMQP_URI"])
        self.readiness.waiting("metrics-stream", "broker", where, "the analysts' stream is not declared yet")

    def start(self):
        self.container.spawn_managed_thread(self._declare, identifier="declare[metrics stream]")

    def _declare(self):
        def declare_once():
            with Connection(config["AMQP_URI"], connect_timeout=10) as connection:
                connection.ensure_connection(max_retries=0)
                stream.declare(connection)
        wait_for_broker(declare_once, self.readiness, "metrics-stream", config["AMQP_URI"])

    def get_dependency(self, worker_ctx):
        return stream.queue_name()


class HandlerHealth(DependencyProvider):
    """Counts every event handled (applied or a duplicate), every failure, and when the last one was.

    One hook for all handlers: a handler returns what `facts.record` said, this
    provider turns it into the service's own Prometheus counters.
    """

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        if not isinstance(worker_ctx.entrypoint, ReliableEventHandler):
            return
        events = worker_ctx.args[0] if worker_ctx.args else []   # batch handlers: a list, results per event
        event_type = worker_ctx.entrypoint.event_type
        if exc_info is not None:  # a failed batch is handled again event by event: count only those
            if len(events) == 1:
                prometheus.HANDLER_FAILURES.labels(event_type).inc()
            return
        for outcome in result or ():
            prometheus.EVENTS_PROCESSED.labels(event_type, outcome).inc()
        prometheus.LAST_EVENT_PROCESSED.set(time.time())
        occurred = [event["occurred_at"] for event in events if event.get("occurred_at")]
        if occurred:
            prometheus.LAST_EVENT_OCCURRED.set(datetime.fromisoformat(max(occurred)).timestamp())


class ConfiguredTimer(Timer):
    """nameko's timer with its interval read from config when the service starts (seconds)."""

    def __init__(self, setting, default, **kwargs):
        self.setting, self.default = setting, default
        super().__init__(interval=default, **kwargs)

    def setup(self):
        self.interval = float(config.get(self.setting, self.default))
        super().setup()


configured_timer = ConfiguredTimer.decorator
