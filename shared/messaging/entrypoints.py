"""`reliable_event_handler`: nameko's event handler with validation, bounded retries and dead letters.

nameko's own handler acks a message whose handler raised, and the event is
gone. This one never acks a failure away: the message goes to a delay queue
and comes back, and after the last retry it lands in the dead-letter queue
with the error, the attempt count and where it came from. An event that does
not match its contract goes straight to the dead-letter queue with the reason.

Only the handler's own failures count as attempts. An outage of the database
or the broker under the handler (`failures.is_infrastructure_error`) holds the
message for a capped back-off and returns it to its queue unchanged, so an
outage pauses consumption instead of dead-lettering everything in flight. A
forward to a delay or dead-letter queue is published mandatory with confirms:
when no queue takes it, the original is kept (returned after the same back-off).
A redelivered event that keeps killing its worker is dead-lettered by the
crash-loop guard (`crash_guard`), which connection drops cannot reach. An ack
or requeue on a connection that was reset is a lost connection: the broker
redelivers the message.

``batch=True`` (group commit): the handler takes a *list* of events and handles
them in one transaction. While a batch is being handled the next messages wait
(up to the prefetch), and the next worker takes all of them, so one event at a
time when the queue is quiet and whole batches under load, with no added wait.
Messages are acked only after their batch's worker succeeded; when a batch
fails, each of its events is handled again on its own, so one bad event is
retried and dead-lettered alone and the others go through. A redelivered event
is always handled on its own, under the crash-loop guard.
"""
import functools
import traceback
from datetime import datetime, timezone

import amqp.exceptions
import eventlet
import structlog
from eventlet.event import Event
from kombu import Connection
from nameko import config
from nameko.amqp.consume import Consumer as NamekoConsumer
from nameko.amqp.publish import Publisher
from nameko.containers import ContainerBeingKilled
from nameko.events import SERVICE_POOL, EventHandler
from nameko.messaging import Consumer, decode_from_headers

from shared import observability
from shared.events import InvalidEvent, parse_event
from shared.messaging.crash_guard import CrashGuard
from shared.messaging.failures import CappedBackoff, is_infrastructure_error
from shared.messaging.nodes import described
from shared.messaging.topology import ServiceQueues, declare, work_queue_name
from shared.readiness import DATABASE, broker_address, readiness_of, wait_for_broker

log = structlog.get_logger("city311.consumer")

ATTEMPT_HEADER = "x-city311-attempt"
DEFAULT_RETRY_DELAYS = (1, 5, 30, 120)
DEFAULT_CRASH_LIMIT = 5
# A socket reset surfaces as a plain OSError (BrokenPipeError, ConnectionResetError), not amqp's ConnectionError.
CONNECTION_LOST = (amqp.exceptions.ConnectionError, OSError)


class PermanentError(Exception):
    """A failure retrying cannot fix (a broken invariant, a rejected input): dead-letter at once."""


class CrashLoop(PermanentError):
    """A redelivered event that killed its worker too many times."""


def service_queues(service_name):
    """A service's delay and dead-letter queues, with the configured retry schedule."""
    return ServiceQueues(service_name, config.get("RETRY_DELAYS_SECONDS", DEFAULT_RETRY_DELAYS))


def handler_queues(service_name, source_service, event_type, method_name):
    """Everything one handler needs declared: its work queue and its service's shared queues."""
    queues = service_queues(service_name)
    name = work_queue_name(source_service, event_type, service_name, method_name)
    return queues, [queues.work_queue(name, source_service, event_type), *queues.shared_queues()]


class ResilientConsumer(NamekoConsumer):
    """nameko's consumer, for which a reset socket under an ack or a requeue is a lost connection."""

    def on_connection_error(self, exc, interval):
        # nameko's own masks the first node's password only: AMQP_URI may list a cluster's nodes
        log.warning("cannot reach the broker, trying the next node", broker=described(self.amqp_uri),
                    error=str(exc), retry_in_seconds=interval)

    def ack_message(self, message):
        _settle(message, message.ack)

    def requeue_message(self, message):
        _settle(message, message.requeue)


def _settle(message, settle):
    # A lost connection has already returned the message to the broker, which redelivers it.
    if message.channel.connection:
        try:
            settle()
        except CONNECTION_LOST as exc:
            log.warning("connection lost before the message was settled; the broker redelivers it",
                        error=f"{type(exc).__name__}: {exc}")


class ReliableEventHandler(EventHandler):
    """Handle `event_type` from `source_service`; the handler receives the validated envelope."""

    consumer_cls = ResilientConsumer

    def __init__(self, source_service, event_type, batch=False, **kwargs):
        self.batch = batch
        self._backoff = None
        self._crash_guard = None
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    def setup(self):
        self.queues, to_declare = handler_queues(self.container.service_name, self.source_service,
                                                 self.event_type, self.method_name)
        self.queue = to_declare[0]
        self._publisher = Publisher(self.amqp_uri, use_confirms=True)
        self._to_declare = to_declare   # by `start`, which waits for the broker if need be
        self.readiness = readiness_of(self.container)
        # Not ready until consuming (set before any extension starts, the web server included): an event
        # published on the word of /health before its queue was bound would find no queue.
        self._consuming = f"{self.queue.name} (consumer)"
        self.readiness.waiting(self._consuming, "broker", broker_address(self.amqp_uri),
                               "declaring its queues and starting to consume")
        self.consumer_options["on_decode_error"] = self.handle_undecodable
        if self.batch:
            self.max_batch = int(config.get("BATCH_MAX_EVENTS", 50))
            self.consumer_options.setdefault("prefetch_count", self.max_batch)
            self._waiting, self._draining = [], False
        Consumer.setup(self)  # EventHandler.setup would build a classic queue

    def start(self):
        """Declare the queues, then consume, in a managed thread that waits out an unreachable broker or database.

        While it waits (capped exponential backoff, each wait logged) the service's
        /health says what for, and the container's other extensions (its web server)
        run. Returns once consuming, as nameko's consumer does, or once waiting.
        """
        started = Event()

        def report_started():
            if not started.ready():
                started.send()

        def declare_queues():
            with Connection(self.amqp_uri, connect_timeout=10) as connection:
                declare(connection, self._to_declare)

        def declare_then_consume():
            try:
                wait_for_broker(declare_queues, self.readiness, self.queue.name, self.amqp_uri,
                                on_wait=report_started)
                if self.readiness.is_waiting(DATABASE):   # a handler would only fail, spending retries
                    report_started()
                    self.readiness.wait_until_ready(DATABASE)
                Consumer.start(self)   # from here kombu reconnects by itself
                self.readiness.ready(self._consuming)
            finally:   # an error (a refused declaration) kills the container: the start must not hang on it
                report_started()

        self.container.spawn_managed_thread(declare_then_consume, identifier=f"declare[{self.queue.name}]")
        started.wait()

    def handle_message(self, body, message):
        try:
            event = parse_event(body, expected_type=self.event_type)
        except InvalidEvent as exc:
            self._dead_letter_aside(message, f"InvalidEvent: {exc.errors}", _attempt(message))
            return
        if not self.batch:
            self._spawn(event, message)
            return
        self._waiting.append((event, message))
        if not self._draining:  # one batch worker at a time; the next takes what arrived meanwhile
            self._draining = True
            self.container.spawn_managed_thread(
                self._drain, identifier=f"batch[{self.container.service_name}.{self.method_name}]")

    def _spawn(self, event, message):
        """Like nameko's Consumer: a waiter thread, so a full worker pool never blocks the consumer."""
        def spawn_worker():
            try:
                self.container.spawn_worker(self, (event,), self._guard_kwargs(event, message),
                                            context_data=decode_from_headers(message.headers),
                                            handle_result=functools.partial(self.handle_result, message))
            except ContainerBeingKilled:
                self.consumer.requeue_message(message)

        self.container.spawn_managed_thread(
            spawn_worker, identifier=f"wait_for_worker_pool[{self.container.service_name}.{self.method_name}]")

    # -- the crash-loop guard --------------------------------------------------------------------------
    def _guard_kwargs(self, event, message):
        """For a redelivered event, the check its worker runs before the handler (see `crash_guard`)."""
        if not _redelivered(message) or self._guard() is None:
            return {}
        return {"crash_check": functools.partial(self._check_crashes, event["event_id"])}

    def _check_crashes(self, event_id):
        crashes = self._guard().record_start(event_id)
        if crashes >= int(config.get("DELIVERY_LIMIT", DEFAULT_CRASH_LIMIT)):
            raise CrashLoop(f"crashed its worker {crashes} times")

    def _guard(self):
        if self._crash_guard is None:
            from shared.persistence.provider import UnitOfWorkProvider  # the provider imports messaging
            engines = [d.engine for d in self.container.dependencies if isinstance(d, UnitOfWorkProvider)]
            self._crash_guard = CrashGuard(engines[0], self.queue.name) if engines else False
        return self._crash_guard or None

    def _finished(self, message):
        """A redelivered event's handler returned: its recorded starts were not crashes."""
        if not _redelivered(message) or self._guard() is None:
            return
        try:
            self._guard().finished(message.payload.get("event_id"))
        except Exception as exc:  # the database is gone again: the row is removed after the next success
            log.warning("could not clear the crash-loop guard's count", queue=self.queue.name, error=str(exc))

    # -- batches ---------------------------------------------------------------------------------------
    def _drain(self):
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
                redelivered = [(event, message) for event, message in batch if _redelivered(message)]
                batch = [pair for pair in batch if not _redelivered(pair[1])]
                if len(batch) > 1 and self._handled_together(batch):
                    batch = []
                for event, message in batch + redelivered:
                    self._handle_alone(event, message)
        finally:
            self._draining = False

    def _handled_together(self, batch):
        """One worker for the whole batch; True (and every message settled) unless it failed on its own."""
        exc_info = self._run_and_wait([event for event, _ in batch], batch[0][1], {})
        if exc_info is ContainerBeingKilled:
            for _, message in batch:
                self.consumer.requeue_message(message)
            return True
        if exc_info is not None and is_infrastructure_error(exc_info[1]):
            observability.count_events(observability.EVENTS_HELD, self, len(batch))
            self._hold_and_requeue([message for _, message in batch], _reason(exc_info[1]))
            return True
        if exc_info is not None:
            log.warning("batch failed, handling its events one by one", queue=self.queue.name, size=len(batch),
                        error=_reason(exc_info[1])[:500])
            return False
        self._backoff_for_outages().reset()
        observability.count_events(observability.EVENTS_HANDLED, self, len(batch))
        for _, message in batch:
            self.consumer.ack_message(message)
        return True

    def _handle_alone(self, event, message):
        exc_info = self._run_and_wait([event], message, self._guard_kwargs(event, message))
        if exc_info is ContainerBeingKilled:
            self.consumer.requeue_message(message)
        else:
            self.handle_message_processed(message, None, exc_info)

    def _run_and_wait(self, events, message, kwargs):
        """Run the handler on `events` in a worker and wait: its exc_info, None, or ContainerBeingKilled."""
        done = Event()

        def handle_result(worker_ctx, result=None, exc_info=None):
            done.send(exc_info)
            return result, exc_info

        try:
            self.container.spawn_worker(self, (events,), kwargs, context_data=decode_from_headers(message.headers),
                                        handle_result=handle_result)
        except ContainerBeingKilled:
            return ContainerBeingKilled
        return done.wait()

    # -- outcomes --------------------------------------------------------------------------------------
    def handle_undecodable(self, message, exc):
        """kombu could not decode the body (not JSON, wrong content type): dead-letter it."""
        self._dead_letter_aside(message, f"undecodable message: {type(exc).__name__}: {exc}", 1)

    def _dead_letter_aside(self, message, reason, attempt):
        # Not in the consumer's own thread: a forward that must wait (a deleted queue) would stall it.
        self.container.spawn_managed_thread(functools.partial(self._dead_letter, message, reason, attempt),
                                            identifier=f"dead_letter[{self.queue.name}]")

    def handle_message_processed(self, message, result=None, exc_info=None):
        exc = exc_info[1] if exc_info else None
        self._finished(message)
        if exc is None:
            self._backoff_for_outages().reset()
            observability.count_events(observability.EVENTS_HANDLED, self)
            self.consumer.ack_message(message)
            return
        attempt = _attempt(message)
        reason = _reason(exc)
        if is_infrastructure_error(exc):
            observability.count_events(observability.EVENTS_HELD, self)
            self._hold_and_requeue([message], reason)
            return
        observability.count_events(observability.EVENTS_FAILED, self)
        if isinstance(exc, PermanentError) or attempt > len(self.queues.retry_delays):
            self._dead_letter(message, reason, attempt)
        elif self._forward(message, self.queue.name, {ATTEMPT_HEADER: attempt + 1},
                           exchange=self.queues.retry_exchange(attempt).name):
            observability.count_events(observability.EVENTS_RETRIED, self)
            log.warning("handler failed, will retry", queue=self.queue.name, attempt=attempt, error=reason[:500])

    def _dead_letter(self, message, reason, attempt):
        headers = {
            "x-city311-error": reason[:4000],
            "x-city311-attempts": attempt,
            "x-city311-queue": self.queue.name,
            "x-city311-failed-at": datetime.now(timezone.utc).isoformat(),
            "x-city311-original-exchange": _original(message, "exchange"),
            "x-city311-original-routing-key": _original(message, "routing_key"),
        }
        if self._forward(message, self.queues.dead_letter_name, headers):
            observability.count_events(observability.EVENTS_DEAD_LETTERED, self)
            log.error("message dead-lettered", queue=self.queue.name, attempts=attempt, error=reason[:500])

    def _forward(self, message, routing_key, extra_headers, exchange=""):
        """Re-publish the raw message (to a queue, or a delay exchange), then ack; True when it was forwarded.

        Mandatory, with confirms: when no queue takes the copy (a deleted queue) or the broker does not
        confirm it, the original is kept and returned to its queue after a back-off.
        """
        headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-death")}
        headers.setdefault("x-city311-original-exchange", _original(message, "exchange"))
        headers.setdefault("x-city311-original-routing-key", _original(message, "routing_key"))
        headers.update(extra_headers)
        try:
            self._publisher.publish(message.body, exchange=exchange, routing_key=routing_key, headers=headers,
                                    mandatory=True,
                                    content_type=message.content_type or "application/octet-stream",
                                    content_encoding=message.content_encoding or "binary")
        except Exception as exc:
            self._hold_and_requeue([message], f"could not forward to {exchange or '(default)'}/{routing_key}: "
                                              f"{type(exc).__name__}: {exc}")
            return False
        self.consumer.ack_message(message)
        return True

    def _hold_and_requeue(self, messages, reason):
        """Keep the messages unchanged (no attempt spent) and return them to their queue after a back-off.

        The worker holds them meanwhile, so an outage slows every worker down instead of spinning.
        """
        delay = self._backoff_for_outages().next_delay()
        log.warning("infrastructure unavailable, holding the message and returning it to its queue uncounted",
                    queue=self.queue.name, messages=len(messages), retry_in=delay, error=reason[:500])
        eventlet.sleep(delay)
        for message in messages:
            self.consumer.requeue_message(message)

    def _backoff_for_outages(self):
        if self._backoff is None:
            self._backoff = CappedBackoff(cap=float(config.get("OUTAGE_BACKOFF_MAX_SECONDS", 30)))
        return self._backoff


def reliable_event_handler(source_service, event_type, batch=False, **kwargs):
    """Make a service method the reliable handler of `event_type` from `source_service` (see the module doc)."""
    register = ReliableEventHandler.decorator(source_service, event_type, batch=batch, **kwargs)

    def decorate(method):
        @functools.wraps(method)
        def handle(service, events, crash_check=None):
            if crash_check is not None:   # in the worker, just before the handler: see crash_guard
                crash_check()
            with observability.time_handler(service.name, method.__name__):
                return method(service, events)
        return register(handle)
    return decorate


def in_lock_order(events):
    """A batch's events ordered by request (stably: one request's events keep their order).

    A batch holds its row locks until its commit; batches of different handlers that lock their
    requests in one order cannot deadlock each other (PostgreSQL).
    """
    return sorted(events, key=lambda event: event.get("correlation_id") or "")


def apply_batch(unit_of_work, events, change, *args):
    """A batch handler's usual body: `change(uow, event, *args)` for each event, in one transaction.

    Returns what each call returned, in the order the events were applied.
    """
    with unit_of_work() as uow:
        return [change(uow, event, *args) for event in in_lock_order(events)]


def _attempt(message):
    return int((message.headers or {}).get(ATTEMPT_HEADER, 1))


def _redelivered(message):
    return bool(message.delivery_info.get("redelivered"))


def _reason(exc):
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _original(message, key):
    headers = message.headers or {}
    return headers.get(f"x-city311-original-{key.replace('_', '-')}") or message.delivery_info.get(key, "")
