"""`reliable_event_handler`: nameko's event handler with validation, bounded retries and dead letters.

nameko's own handler acks a message whose handler raised, and the event is
gone. This one never acks a failure away: the message goes to a delay queue
and comes back, and after the last retry it lands in the dead-letter queue
with the error, the attempt count and where it came from. An event that does
not match its contract goes straight to the dead-letter queue with the reason.

``batch=True`` (group commit): the handler takes a *list* of events and handles
them in one transaction. While a batch is being handled the next messages wait
(up to the prefetch), and the next worker takes all of them, so one event at a
time when the queue is quiet and whole batches under load, with no added wait.
Messages are acked only after their batch's worker succeeded; when a batch
fails, each of its events is handled again on its own, so one bad event is
retried and dead-lettered alone and the others go through.
"""
import traceback
from datetime import datetime, timezone

import structlog
from eventlet.event import Event
from kombu import Connection
from nameko import config
from nameko.amqp.publish import Publisher
from nameko.containers import ContainerBeingKilled
from nameko.events import SERVICE_POOL, EventHandler
from nameko.messaging import Consumer, decode_from_headers

from shared.events import InvalidEvent, parse_event
from shared.messaging.topology import ServiceQueues, declare, work_queue_name

log = structlog.get_logger("city311.consumer")

ATTEMPT_HEADER = "x-city311-attempt"
DEFAULT_RETRY_DELAYS = (1, 5, 30, 120)


class PermanentError(Exception):
    """A failure retrying cannot fix (a broken invariant, a rejected input): dead-letter at once."""


def service_queues(service_name):
    """A service's delay and dead-letter queues, with the configured retry schedule and delivery limit."""
    delays = config.get("RETRY_DELAYS_SECONDS", DEFAULT_RETRY_DELAYS)
    return ServiceQueues(service_name, delays, int(config.get("DELIVERY_LIMIT", 20)))


def handler_queues(service_name, source_service, event_type, method_name):
    """Everything one handler needs declared: its work queue and its service's shared queues."""
    queues = service_queues(service_name)
    name = work_queue_name(source_service, event_type, service_name, method_name)
    return queues, [queues.work_queue(name, source_service, event_type), *queues.shared_queues()]


class ReliableEventHandler(EventHandler):
    """Handle `event_type` from `source_service`; the handler receives the validated envelope."""

    def __init__(self, source_service, event_type, batch=False, **kwargs):
        self.batch = batch
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    def setup(self):
        self.queues, to_declare = handler_queues(self.container.service_name, self.source_service,
                                                 self.event_type, self.method_name)
        self.queue = to_declare[0]
        self._publisher = Publisher(self.amqp_uri, use_confirms=True)
        with Connection(self.amqp_uri, connect_timeout=15) as connection:
            declare(connection, to_declare)
        self.consumer_options["on_decode_error"] = self.handle_undecodable
        if self.batch:
            self.max_batch = int(config.get("BATCH_MAX_EVENTS", 50))
            self.consumer_options.setdefault("prefetch_count", self.max_batch)
            self._waiting, self._draining = [], False
        Consumer.setup(self)  # EventHandler.setup would build a classic queue

    def handle_message(self, body, message):
        try:
            event = parse_event(body, expected_type=self.event_type)
        except InvalidEvent as exc:
            self._dead_letter(message, f"InvalidEvent: {exc.errors}", _attempt(message))
            return
        if not self.batch:
            super().handle_message(event, message)
            return
        self._waiting.append((event, message))
        if not self._draining:  # one batch worker at a time; the next takes what arrived meanwhile
            self._draining = True
            self.container.spawn_managed_thread(
                self._drain, identifier=f"batch[{self.container.service_name}.{self.method_name}]")

    # -- batches ---------------------------------------------------------------------------------------
    def _drain(self):
        try:
            while self._waiting:
                batch, self._waiting = self._waiting[:self.max_batch], self._waiting[self.max_batch:]
                if len(batch) == 1 or not self._handled_together(batch):
                    for event, message in batch:
                        self._handle_alone(event, message)
        finally:
            self._draining = False

    def _handled_together(self, batch):
        """One worker for the whole batch; True (and every message acked) when it succeeded."""
        exc_info = self._run_and_wait([event for event, _ in batch], batch[0][1])
        if exc_info is ContainerBeingKilled:
            for _, message in batch:
                self.consumer.requeue_message(message)
            return True
        if exc_info is not None:
            log.warning("batch failed, handling its events one by one", queue=self.queue.name, size=len(batch),
                        error="".join(traceback.format_exception_only(*exc_info[:2])).strip()[:500])
            return False
        for _, message in batch:
            self.consumer.ack_message(message)
        return True

    def _handle_alone(self, event, message):
        exc_info = self._run_and_wait([event], message)
        if exc_info is ContainerBeingKilled:
            self.consumer.requeue_message(message)
        else:
            self.handle_message_processed(message, None, exc_info)

    def _run_and_wait(self, events, message):
        """Run the handler on `events` in a worker and wait: its exc_info, None, or ContainerBeingKilled."""
        done = Event()

        def handle_result(worker_ctx, result=None, exc_info=None):
            done.send(exc_info)
            return result, exc_info

        try:
            self.container.spawn_worker(self, (events,), {}, context_data=decode_from_headers(message.headers),
                                        handle_result=handle_result)
        except ContainerBeingKilled:
            return ContainerBeingKilled
        return done.wait()

    def handle_undecodable(self, message, exc):
        """kombu could not decode the body (not JSON, wrong content type): dead-letter it."""
        self._dead_letter(message, f"undecodable message: {type(exc).__name__}: {exc}", 1)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.consumer.ack_message(message)
            return
        exc = exc_info[1]
        attempt = _attempt(message)
        reason = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        if isinstance(exc, PermanentError) or attempt > len(self.queues.retry_delays):
            self._dead_letter(message, reason, attempt)
        else:
            self._forward(message, self.queue.name, {ATTEMPT_HEADER: attempt + 1},
                          exchange=self.queues.retry_exchange(attempt).name)
            log.warning("handler failed, will retry", queue=self.queue.name,
                        attempt=attempt, error=reason[:500])

    def _dead_letter(self, message, reason, attempt):
        headers = {
            "x-city311-error": reason[:4000],
            "x-city311-attempts": attempt,
            "x-city311-queue": self.queue.name,
            "x-city311-failed-at": datetime.now(timezone.utc).isoformat(),
            "x-city311-original-exchange": _original(message, "exchange"),
            "x-city311-original-routing-key": _original(message, "routing_key"),
        }
        self._forward(message, self.queues.dead_letter_name, headers)
        log.error("message dead-lettered", queue=self.queue.name, attempts=attempt, error=reason[:500])

    def _forward(self, message, routing_key, extra_headers, exchange=""):
        """Re-publish the raw message (to a queue, or a delay exchange), then ack; on failure leave it unacked."""
        headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith("x-death")}
        headers.setdefault("x-city311-original-exchange", _original(message, "exchange"))
        headers.setdefault("x-city311-original-routing-key", _original(message, "routing_key"))
        headers.update(extra_headers)
        try:
            self._publisher.publish(message.body, exchange=exchange, routing_key=routing_key, headers=headers,
                                    content_type=message.content_type or "application/octet-stream",
                                    content_encoding=message.content_encoding or "binary")
        except Exception as exc:
            log.error("could not forward message, returning it to the queue", error=str(exc))
            self.consumer.requeue_message(message)
            return
        self.consumer.ack_message(message)


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


def _original(message, key):
    headers = message.headers or {}
    return headers.get(f"x-city311-original-{key.replace('_', '-')}") or message.delivery_info.get(key, "")


reliable_event_handler = ReliableEventHandler.decorator
