"""Prometheus metrics of every service: one registry per process, and the figures read from its database per scrape.

What each process counts itself lives in prometheus_client's global registry (which
also holds its process_* metrics): the event handlers' outcomes and latency (counted
by `shared.messaging.entrypoints`) and the HTTP requests of its web server
(`HttpMetrics`, a dependency of the service). What lives in the database (the outbox
backlog, the inbox, a service's own queues of work) is read on each scrape by short,
index-backed queries, so every replica reports the same truth:

    http_metrics = HttpMetrics()      # a dependency of the service: times and counts its HTTP answers

    @http("GET", "/metrics")
    def metrics(self, request):
        return observability.response(self.name, self.uow)     # + the service's own sources

A source is a function `source(session)` yielding metric families. When the database
does not answer, the scrape still answers: the process metrics, and
`city311_database_up 0`. The depth of the service's dead-letter queue is asked of the
broker (a passive declare, bounded by a short timeout), so "dead letters present"
needs nothing but the service's own scrape.
"""
import time
from datetime import timezone

from kombu import Connection
from nameko import config
from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError
from werkzeug.wrappers import Response

from shared.messaging.topology import ServiceQueues
from shared.persistence.tables import inbox, outbox

BROKER_TIMEOUT_SECONDS = 3.0
INBOX_COUNT_CAP = 1_000_000   # the inbox is counted up to this (a purge keeps it below; see shared/messaging/inbox.py)
_HANDLER = ["service", "handler"]

EVENTS_HANDLED = Counter("city311_events_handled", "Events a handler handled successfully (acked)", _HANDLER)
EVENTS_FAILED = Counter("city311_events_failed", "Handler runs that raised (the event is retried or dead-lettered)",
                        _HANDLER)
EVENTS_RETRIED = Counter("city311_events_retried", "Events sent to a delay queue to be handled again", _HANDLER)
EVENTS_DEAD_LETTERED = Counter("city311_events_dead_lettered", "Events moved to the service's dead-letter queue",
                               _HANDLER)
EVENTS_HELD = Counter("city311_events_held", "Events returned to their queue uncounted: the database or broker "
                      "under the handler was unavailable", _HANDLER)
HANDLER_DURATION = Histogram("city311_event_handler_duration_seconds", "Time a handler took (a batch counts once)",
                             _HANDLER)
HTTP_REQUESTS = Counter("city311_http_requests", "HTTP requests answered, by route and status",
                        ["service", "method", "route", "status"])
HTTP_DURATION = Histogram("city311_http_request_duration_seconds", "Time to answer an HTTP request, by route",
                          ["service", "method", "route"])


def count_events(counter, entrypoint, how_many=1):
    """Add `how_many` to one of the event counters, for the handler behind `entrypoint`."""
    counter.labels(entrypoint.container.service_name, entrypoint.method_name).inc(how_many)


def time_handler(service_name, handler_name):
    """A context manager timing one handler run."""
    return HANDLER_DURATION.labels(service_name, handler_name).time()


class HttpMetrics(DependencyProvider):
    """Times every HTTP entrypoint of its service and counts its answers by route (the URL rule) and status."""

    def setup(self):
        self._started = {}

    def worker_setup(self, worker_ctx):
        if isinstance(worker_ctx.entrypoint, HttpRequestHandler):
            self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        if started is None:
            return
        entrypoint = worker_ctx.entrypoint
        labels = (self.container.service_name, entrypoint.method, entrypoint.url)
        HTTP_DURATION.labels(*labels).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(*labels, str(_status(entrypoint, result, exc_info))).inc()


def _status(entrypoint, result, exc_info):
    """The status nameko answers with (see HttpRequestHandler.response_from_result / _from_exception)."""
    if exc_info is not None:
        return 400 if isinstance(exc_info[1], entrypoint.expected_exceptions) else 500
    if isinstance(result, Response):
        return result.status_code
    if isinstance(result, tuple):
        return int(result[0])
    return 200


def response(service_name, uow_factory, *sources):
    """The /metrics answer of `service_name` (its broker: the configured AMQP_URI)."""
    return Scrape(service_name, config.get("AMQP_URI")).response(uow_factory, *sources)


class Scrape:
    """One service's /metrics answer; without a broker URI (unit tests) the broker is reported down."""

    def __init__(self, service_name, amqp_uri):
        self.service_name, self.amqp_uri = service_name, amqp_uri

    def response(self, uow_factory, *sources):
        """This process's metrics, its readiness, its dead letters, and its database's figures read now."""
        families = [*self._readiness(uow_factory), *self._dead_letters()]
        try:
            with uow_factory() as uow:
                read = [family for source in (messaging_backlog, *sources) for family in source(uow.session)]
            database_up = 1
        except (DBAPIError, TimeoutError):
            read, database_up = [], 0
        families += [*read, GaugeMetricFamily("city311_database_up", "1 when the service's database answered "
                                              "this scrape", value=database_up)]
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(_Families(families))
        return Response(generate_latest(REGISTRY) + generate_latest(scrape), status=200,
                        content_type=CONTENT_TYPE_LATEST)

    @staticmethod
    def _readiness(uow_factory):
        readiness = getattr(uow_factory, "readiness", None)   # a bare factory (unit tests) has none
        if readiness is not None:
            status, _ = readiness.health()
            yield GaugeMetricFamily("city311_service_ready", "1 when the service's readiness check passes "
                                    "(/health answers 200)", value=1 if status == 200 else 0)

    def _dead_letters(self):
        """The depth of `<service>.dlq`, and whether the broker answered (a passive declare, bounded)."""
        name = ServiceQueues(self.service_name, ()).dead_letter_name
        try:
            if not self.amqp_uri:
                raise ValueError("no AMQP_URI configured")
            with Connection(self.amqp_uri, connect_timeout=BROKER_TIMEOUT_SECONDS) as connection:
                _, messages, _ = connection.default_channel.queue_declare(name, passive=True)
        except Exception:  # unreachable, or no such queue yet: the figure is unknown, and says so
            yield GaugeMetricFamily("city311_broker_up", "1 when the broker answered this scrape", value=0)
            return
        yield GaugeMetricFamily("city311_broker_up", "1 when the broker answered this scrape", value=1)
        dead = GaugeMetricFamily("city311_dead_letter_queue_messages", "Messages in the service's dead-letter "
                                 "queue (python -m shared.messaging.deadletters)", labels=["queue"])
        dead.add_metric([name], messages)
        yield dead


class _Families:
    def __init__(self, families):
        self._families = families

    def collect(self):
        return iter(self._families)


def messaging_backlog(session):
    """The outbox (unpublished, parked, age of the oldest unpublished) and the inbox size; index-backed queries."""
    unpublished = outbox.c.published_at.is_(None)
    yield GaugeMetricFamily("city311_outbox_unpublished_events", "Events committed but not yet confirmed by the "
                            "broker", value=session.execute(select(func.count()).where(unpublished)).scalar_one())
    yield GaugeMetricFamily("city311_outbox_parked_events", "Events the relay parked after repeated refusals "
                            "(python -m shared.messaging.outbox)",
                            value=session.execute(select(func.count()).where(unpublished,
                                                                             outbox.c.parked_at.is_not(None))
                                                  ).scalar_one())
    oldest = session.execute(select(outbox.c.created_at).where(unpublished).order_by(outbox.c.id).limit(1)
                             ).scalar_one_or_none()
    yield GaugeMetricFamily("city311_outbox_oldest_unpublished_age_seconds", "Age of the oldest unpublished event "
                            "(0 when none waits)", value=seconds_since(oldest))
    capped = select(inbox.c.event_id).limit(INBOX_COUNT_CAP).subquery()
    yield GaugeMetricFamily("city311_inbox_events", f"Processed event ids remembered for idempotency (counted up "
                            f"to {INBOX_COUNT_CAP})", value=session.execute(select(func.count()).select_from(capped)
                                                                              ).scalar_one())


def seconds_since(moment):
    """Seconds from `moment` (a datetime, naive means UTC as SQLite returns it) to now; 0 for None."""
    if moment is None:
        return 0.0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, time.time() - moment.timestamp())
