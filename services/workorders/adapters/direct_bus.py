"""One department's exchanges and queues on the city's bus, city side: declared, published to, status taken off.

The city declares them (on each new connection; declaring again is a no-op),
so a department system that is down when its first work order is routed finds
it waiting in its queue. One kombu connection, opened on first use and dropped
after any broker error; a lock keeps each operation to one caller at a time.
Broker trouble is a TransientError.
"""
import json
import logging
import socket
import threading
from datetime import datetime, timezone
from typing import Callable

import amqp
import kombu
from kombu import Exchange, Queue
from kombu.exceptions import KombuError

from .base import TransientError

log = logging.getLogger(__name__)

BROKER_ERRORS = (amqp.exceptions.AMQPError, KombuError, OSError, socket.timeout)
TO_DEPARTMENTS = Exchange("departments", type="topic", durable=True)
FROM_DEPARTMENTS = Exchange("departments.status", type="topic", durable=True)
_QUORUM = {"x-queue-type": "quorum"}


class DepartmentBus:
    """`departments.<code>` (what the department takes), `departments.status.<code>` (what it reports)."""

    def __init__(self, system: str, uri: str, department: str, connect_timeout: float, delivery_limit: int,
                 dead_letter_queue: str):
        self._system = system
        self._uri = uri
        self._connect_timeout = connect_timeout
        self.department = department
        self.queue = f"departments.{department}"
        self.status_queue = f"departments.status.{department}"
        self._dead_letters = dead_letter_queue
        self._declared = [
            # A department client that fails on a message again and again cannot hold its queue up for ever.
            Queue(self.queue, TO_DEPARTMENTS, f"department.{department}.#", durable=True, queue_arguments={
                **_QUORUM, "x-delivery-limit": delivery_limit, "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": f"{self.queue}.dlq", "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish"}),
            Queue(f"{self.queue}.dlq", durable=True, queue_arguments=_QUORUM),
            Queue(self.status_queue, FROM_DEPARTMENTS, f"department.{department}.status", durable=True,
                  queue_arguments=_QUORUM),
            Queue(dead_letter_queue, durable=True, queue_arguments=_QUORUM),
        ]
        self._connection: kombu.Connection | None = None
        self._lock = threading.Lock()

    def publish(self, routing_key: str, body: dict, message_id: str, message_type: str, correlation_id: str) -> None:
        """Publish a persistent message to `departments`, mandatory, and wait for the broker's confirm."""
        message = amqp.Message(json.dumps(body).encode(), content_type="application/json",
                               content_encoding="utf-8", delivery_mode=2, message_id=message_id,
                               correlation_id=correlation_id, type=message_type, app_id="city311")
        self._with_channel(lambda channel: channel.basic_publish(message, exchange=TO_DEPARTMENTS.name,
                                                                 routing_key=routing_key, mandatory=True))

    def take(self, keep: Callable[[amqp.Message], str | None], limit: int) -> int:
        """Hand up to `limit` status reports to `keep`; one it cannot use (its reason) is dead-lettered.

        Either way a message leaves the status queue only after `keep` returned.
        """
        def drain(channel) -> int:
            for count in range(limit):
                message = channel.basic_get(self.status_queue)
                if message is None:
                    return count
                reason = keep(message)
                if reason:
                    self._dead_letter(channel, message, reason)
                channel.basic_ack(message.delivery_tag)
            return limit
        return self._with_channel(drain)

    def _dead_letter(self, channel, message: amqp.Message, reason: str) -> None:
        """To the workorders dead letters, in the shape `python -m shared.messaging.deadletters` lists and replays."""
        log.warning("%s: dead-lettering a status report: %s", self._system, reason)
        properties = message.properties
        headers = {**(properties.get("application_headers") or {}), "x-city311-error": reason[:4000],
                   "x-city311-attempts": 1, "x-city311-queue": self.status_queue,
                   "x-city311-failed-at": datetime.now(timezone.utc).isoformat(),
                   "x-city311-original-exchange": FROM_DEPARTMENTS.name,
                   "x-city311-original-routing-key": message.delivery_info.get("routing_key", "")}
        channel.basic_publish(amqp.Message(message.body, delivery_mode=2, application_headers=headers,
                                           content_type=properties.get("content_type"),
                                           message_id=properties.get("message_id"), type=properties.get("type")),
                              exchange="", routing_key=self._dead_letters)

    def _with_channel(self, action):
        with self._lock:
            try:
                return action(self._channel())
            except BROKER_ERRORS as error:
                self._drop()
                raise TransientError(self._system, f"broker: {type(error).__name__}: {error}") from None
            except Exception:
                self._drop()  # messages taken but not acknowledged go back to their queue
                raise

    def _channel(self):
        if self._connection is None:
            self._connection = kombu.Connection(self._uri, connect_timeout=self._connect_timeout,
                                                transport_options={"confirm_publish": True})
            for queue in self._declared:  # a failure drops the connection: declared again on the next
                queue(self._connection.default_channel).declare()
        return self._connection.default_channel

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        try:
            connection and connection.release()
        except BROKER_ERRORS:
            pass
