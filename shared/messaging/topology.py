"""Queue names and arguments: per handler a work queue; per service its delay queues and its dead letters.

    evt-intake-RequestCreated--routing.route_request   work queue of one handler (quorum)
    routing.retry.1s, routing.retry.5s, ...            delay queues, each named by its delay (quorum, TTL)
    routing.dlq                                        dead letters of every routing handler

A retried message is published to the fanout exchange of its delay (`routing.retry.5s`) with
the work queue's name as its routing key; when its delay expires the broker dead-letters it
through the default exchange by that same key, straight back to its work queue. Sharing the
delay and dead-letter queues per service keeps the broker's queue count (and file handles)
proportional to the handlers.

No setting is a queue argument. A queue's arguments cannot change once it exists (the broker
refuses the declaration with PRECONDITION_FAILED), so:
- RETRY_DELAYS_SECONDS picks delay queues by name: a new schedule declares new queues, and the
  old ones, no longer fed, drain back into their work queues on their own (delete them empty).
- DELIVERY_LIMIT is not the broker's `x-delivery-limit`: every reconnect raises a message's
  delivery count, so a flapping connection would dead-letter healthy messages. The consumer
  guards crash loops itself (shared/messaging/crash_guard.py).
A work queue declared by an earlier version with other arguments is migrated when it is
declared: its messages move to a holding queue, the empty queue is re-declared, and they move
back; a queue that still has consumers (an old instance running) is left alone, with an error
that says so.
"""
import amqp
import structlog
from amqp.exceptions import NotFound, PreconditionFailed
from kombu import Exchange, Queue
from nameko.standalone.events import get_event_exchange

log = structlog.get_logger("city311.topology")

DEFAULT_EXCHANGE = Exchange("", type="direct")
# Dead-lettering inside the broker (delay expiry) must not lose messages either.
_AT_LEAST_ONCE = {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


def work_queue_name(source_service, event_type, service_name, method_name):
    """nameko's own SERVICE_POOL naming, so existing tooling reads it."""
    return f"evt-{source_service}-{event_type}--{service_name}.{method_name}"


class ServiceQueues:
    """The delay and dead-letter queues of one consuming service."""

    def __init__(self, service_name, retry_delays):
        self.service_name = service_name
        self.retry_delays = list(retry_delays)

    @property
    def dead_letter_name(self):
        return f"{self.service_name}.dlq"

    def retry_exchange(self, attempt):
        """Where a message goes to wait after failing attempt number `attempt`."""
        return self._delay_exchange(self.retry_delays[attempt - 1])

    def _delay_exchange(self, delay):
        return Exchange(f"{self.service_name}.retry.{float(delay):g}s", type="fanout", durable=True)

    def work_queue(self, name, source_service, event_type):
        return WorkQueue(name, exchange=get_event_exchange(source_service), routing_key=event_type,
                         durable=True, queue_arguments={
                             "x-queue-type": "quorum",
                             "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.dead_letter_name,
                             **_AT_LEAST_ONCE})

    def retry_queues(self):
        # No dead-letter routing key: expiry routes by the key the message was
        # published with, which is its work queue's name.
        return [Queue(exchange.name, exchange=exchange, routing_key="", durable=True, queue_arguments={
                    "x-queue-type": "quorum", "x-message-ttl": int(float(delay) * 1000),
                    "x-dead-letter-exchange": "", **_AT_LEAST_ONCE})
                for delay, exchange in ((d, self._delay_exchange(d)) for d in sorted(set(self.retry_delays)))]

    def dead_letter_queue(self):
        return Queue(self.dead_letter_name, exchange=DEFAULT_EXCHANGE, routing_key=self.dead_letter_name,
                     durable=True, queue_arguments={"x-queue-type": "quorum"})

    def shared_queues(self):
        return [*self.retry_queues(), self.dead_letter_queue()]


class QueueInUse(RuntimeError):
    """An earlier version's queue cannot be migrated while consumers are attached to it."""


class WorkQueue(Queue):
    """A work queue that takes over its earlier declaration (other arguments), keeping its messages."""

    def declare(self, nowait=False, channel=None):
        channel = channel or self.channel
        probe = channel.connection.channel()   # a refused declaration closes its channel: not the caller's
        try:
            Queue.declare(self.bind(probe))
        except PreconditionFailed as exc:
            migrate_queue(channel.connection, self, reason=str(exc))
        else:
            finish_interrupted_migration(channel.connection, self)
        finally:
            if probe.is_open:
                probe.close()
        return super().declare(nowait=nowait, channel=channel)


def _holding_queue(queue):
    return Queue(f"{queue.name}.migrating", exchange=queue.exchange, routing_key=queue.routing_key,
                 durable=True, queue_arguments={"x-queue-type": "quorum"})


def migrate_queue(amqp_connection, queue, reason=""):
    """Re-declare `queue` with its current arguments; its messages wait in `<name>.migrating` meanwhile.

    The holding queue is bound like the work queue, so events published during the move are kept
    too (one published while both are bound may arrive twice: consumers are idempotent).
    """
    holding = _holding_queue(queue)
    channel = amqp_connection.channel()
    try:
        if channel.queue_declare(queue.name, passive=True).consumer_count:
            raise QueueInUse(f"queue {queue.name} was declared by an earlier version with other arguments and "
                             f"has consumers: stop the old service instances, then start again to migrate it")
        log.warning("migrating a queue declared with other arguments", queue=queue.name, reason=reason)
        holding.bind(channel).declare()
        _move(channel, queue.name, holding.name)
        # Every message it had is in the holding queue now: those moved, and (bound alike) any published
        # since. Quorum queues refuse if-unused/if-empty deletes; there are no consumers (checked above).
        channel.queue_delete(queue.name)
        Queue.declare(queue.bind(channel))
        _empty_holding_queue(channel, queue, holding)
    finally:
        if channel.is_open:
            channel.close()


def finish_interrupted_migration(amqp_connection, queue):
    """A migration stopped half-way (the process died) left messages in the holding queue: move them back."""
    holding = _holding_queue(queue)
    channel = amqp_connection.channel()
    try:
        channel.queue_declare(holding.name, passive=True)
    except NotFound:
        return
    try:
        _empty_holding_queue(channel, queue, holding)
    finally:
        if channel.is_open:
            channel.close()


def _empty_holding_queue(channel, queue, holding):
    channel.queue_unbind(holding.name, holding.exchange.name, holding.routing_key)
    moved = _move(channel, holding.name, queue.name)
    if channel.queue_declare(holding.name, passive=True).message_count == 0:
        channel.queue_delete(holding.name)
    log.warning("queue migrated", queue=queue.name, messages=moved)


def _move(channel, source, target):
    """Move every ready message of `source` to `target`, each acked only after the broker confirmed its copy."""
    moved = 0
    while (message := channel.basic_get(source, no_ack=False)) is not None:
        channel.basic_publish_confirm(amqp.Message(message.body, **message.properties),
                                      exchange="", routing_key=target, mandatory=True)
        channel.basic_ack(message.delivery_tag)
        moved += 1
    return moved


def declare(connection, queues):
    """Declare queues (and their exchanges and bindings) on a kombu connection, in one attempt.

    An unreachable broker raises at once (kombu's OperationalError or one of the
    connection's `connection_errors`): the caller decides how to wait. A service
    waits with backoff and says so on /health (`ReliableEventHandler.start`);
    `python -m shared.messaging.declare` fails with the reason.
    """
    connection.ensure_connection(max_retries=0)   # 0: no retry of kombu's own, which would block the caller
    channel = connection.default_channel
    for queue in queues:
        queue(channel).declare()
