"""Queue names and arguments: a work queue, its delay queues and its dead-letter queue, side by side.

    evt-intake-RequestCreated--routing.route_request            work queue (quorum)
    evt-intake-RequestCreated--routing.route_request.retry.1    delay before attempt 2 (quorum, TTL)
    evt-intake-RequestCreated--routing.route_request.dlq        dead letters, with their error
"""
from kombu import Exchange, Queue
from nameko.standalone.events import get_event_exchange

DEFAULT_EXCHANGE = Exchange("", type="direct")
# Dead-lettering inside the broker (delay expiry, delivery limit) must not lose messages either.
_AT_LEAST_ONCE = {"x-dead-letter-strategy": "at-least-once", "x-overflow": "reject-publish"}


def work_queue_name(source_service, event_type, service_name, method_name):
    """nameko's own SERVICE_POOL naming, so existing tooling reads it."""
    return f"evt-{source_service}-{event_type}--{service_name}.{method_name}"


class ConsumerQueues:
    """The queues behind one event handler."""

    def __init__(self, name, retry_delays, delivery_limit):
        self.name = name
        self.retry_delays = list(retry_delays)
        self.delivery_limit = delivery_limit

    @property
    def dead_letter_name(self):
        return f"{self.name}.dlq"

    def retry_name(self, attempt):
        """The delay queue a message waits in after failing attempt number `attempt`."""
        return f"{self.name}.retry.{attempt}"

    def work_queue(self, source_service, event_type):
        # The delivery limit catches what handler retries cannot: a worker
        # killed mid-message again and again.
        return Queue(self.name, exchange=get_event_exchange(source_service), routing_key=event_type,
                     durable=True, queue_arguments={
                         "x-queue-type": "quorum", "x-delivery-limit": self.delivery_limit,
                         "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.dead_letter_name,
                         **_AT_LEAST_ONCE})

    def retry_queues(self):
        return [Queue(self.retry_name(n), exchange=DEFAULT_EXCHANGE, routing_key=self.retry_name(n),
                      durable=True, queue_arguments={
                          "x-queue-type": "quorum", "x-message-ttl": int(delay * 1000),
                          "x-dead-letter-exchange": "", "x-dead-letter-routing-key": self.name,
                          **_AT_LEAST_ONCE})
                for n, delay in enumerate(self.retry_delays, start=1)]

    def dead_letter_queue(self):
        return Queue(self.dead_letter_name, exchange=DEFAULT_EXCHANGE, routing_key=self.dead_letter_name,
                     durable=True, queue_arguments={"x-queue-type": "quorum"})

    def all_queues(self, source_service, event_type):
        return [self.work_queue(source_service, event_type), *self.retry_queues(), self.dead_letter_queue()]


def declare(connection, queues):
    """Declare queues (and their exchanges and bindings) on a kombu connection."""
    channel = connection.default_channel
    for queue in queues:
        queue(channel).declare()
