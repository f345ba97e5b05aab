"""Queue names and arguments: per handler a work queue; per service its delay queues and its dead letters.

    evt-intake-RequestCreated--routing.route_request   work queue of one handler (quorum)
    routing.retry.1, routing.retry.2, ...              delays before attempts 2, 3... (quorum, TTL)
    routing.dlq                                        dead letters of every routing handler

A retried message is published to the fanout exchange `routing.retry.N` with
the work queue's name as its routing key; when its delay expires the broker
dead-letters it through the default exchange by that same key, straight back
to its work queue. Sharing the delay and dead-letter queues per service keeps
the broker's queue count (and file handles) proportional to the handlers.
"""
from kombu import Exchange, Queue
from nameko.standalone.events import get_event_exchange

DEFAULT_EXCHANGE = Exchange("", type="direct")
# Dead-lettering inside the broker (delay expiry, delivery limit) must not lose messages either.
_AT_LEAST_ONCE = {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


def work_queue_name(source_service, event_type, service_name, method_name):
    """nameko's own SERVICE_POOL naming, so existing tooling reads it."""
    return f"evt-{source_service}-{event_type}--{service_name}.{method_name}"


class ServiceQueues:
    """The delay and dead-letter queues of one consuming service."""

    def __init__(self, service_name, retry_delays, delivery_limit):
        self.service_name = service_name
        self.retry_delays = list(retry_delays)
        self.delivery_limit = delivery_limit

    @property
    def dead_letter_name(self):
        return f"{self.service_name}.dlq"

    def retry_exchange(self, attempt):
        """Where a message goes to wait after failing attempt number `attempt`."""
        return Exchange(f"{self.service_name}.retry.{attempt}", type="fanout", durable=True)

    def work_queue(self, name, source_service, event_type):
        # The delivery limit catches what handler retries cannot: a worker
        # killed mid-message again and again.
        return Queue(name, exchange=get_event_exchange(source_service), routing_key=event_type,
                     durable=True, queue_arguments={
                         "x-queue-type": "quorum", "x-delivery-limit": self.delivery_limit,
                         "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.dead_letter_name,
                         **_AT_LEAST_ONCE})

    def retry_queues(self):
        # No dead-letter routing key: expiry routes by the key the message was
        # published with, which is its work queue's name.
        return [Queue(self.retry_exchange(n).name, exchange=self.retry_exchange(n), routing_key="",
                      durable=True, queue_arguments={
                          "x-queue-type": "quorum", "x-message-ttl": int(delay * 1000),
                          "x-dead-letter-exchange": "", **_AT_LEAST_ONCE})
                for n, delay in enumerate(self.retry_delays, start=1)]

    def dead_letter_queue(self):
        return Queue(self.dead_letter_name, exchange=DEFAULT_EXCHANGE, routing_key=self.dead_letter_name,
                     durable=True, queue_arguments={"x-queue-type": "quorum"})

    def shared_queues(self):
        return [*self.retry_queues(), self.dead_letter_queue()]


def declare(connection, queues):
    """Declare queues (and their exchanges and bindings) on a kombu connection.

    A busy broker may take a while to accept a connection at start-up: retry
    rather than fail the service.
    """
    connection.ensure_connection(max_retries=5, interval_start=1, interval_step=2, timeout=30)
    channel = connection.default_channel
    for queue in queues:
        queue(channel).declare()
