"""The Transportation system's queues, city side: publish with confirms, take documents off, park bad ones.

One kombu connection, opened on first use and dropped after any broker error;
a lock keeps each operation to one caller at a time (under eventlet the lock
is green), and nobody waits while holding it. Broker trouble is a TransientError.
"""
import logging
import socket
import threading
from typing import Callable

import amqp
import kombu
from kombu.exceptions import KombuError

from .base import TransientError

log = logging.getLogger(__name__)

BROKER_ERRORS = (amqp.exceptions.AMQPError, KombuError, OSError, socket.timeout)


class DepartmentQueues:
    """The queues the Transportation system declared, by role: process, acknowledge, sync, parked."""

    def __init__(self, system: str, uri: str, queues: dict[str, str], connect_timeout: float):
        self._system = system
        self._uri = uri
        self._queues = queues
        self._connect_timeout = connect_timeout
        self._connection: kombu.Connection | None = None
        self._lock = threading.Lock()

    def publish(self, role: str, body: bytes, bod_id: str, correlation_id: str, kind: str) -> None:
        """Publish a persistent document to a queue that must exist, and wait for the broker's confirm."""
        message = amqp.Message(body, content_type="application/xml", delivery_mode=2, message_id=bod_id,
                               correlation_id=correlation_id, type=kind, app_id="city311")
        self._with_channel(role, lambda channel: channel.basic_publish(message, exchange="",
                                                                       routing_key=self._queues[role]))

    def take(self, role: str, keep: Callable[[bytes], str | None], limit: int) -> int:
        """Hand up to ``limit`` waiting messages to ``keep`` one at a time; the number taken.

        ``keep(body)`` returns None once it has kept the document, or the
        reason it cannot read it: the message is then parked with that reason.
        Either way the message leaves its queue only after ``keep`` returned.
        """
        def drain(channel) -> int:
            for count in range(limit):
                message = channel.basic_get(self._queues[role])
                if message is None:
                    return count
                reason = keep(message.body)
                if reason:
                    self._park(channel, role, message, reason)
                channel.basic_ack(message.delivery_tag)
            return limit
        return self._with_channel(role, drain)

    def _park(self, channel, role: str, message: amqp.Message, reason: str) -> None:
        log.warning("%s: parking a message from %s: %s", self._system, self._queues[role], reason)
        properties = message.properties
        headers = {**(properties.get("application_headers") or {}), "x-parked-reason": reason[:1000],
                   "x-parked-from": self._queues[role], "x-parked-by": "city311"}
        parked = amqp.Message(message.body, delivery_mode=2, application_headers=headers,
                              message_id=properties.get("message_id"), type=properties.get("type"),
                              correlation_id=properties.get("correlation_id"))
        channel.basic_publish(parked, exchange="", routing_key=self._queues["parked"])

    def _with_channel(self, role: str, action):
        with self._lock:
            try:
                channel = self._channel()
                channel.queue_declare(self._queues[role], passive=True)
                return action(channel)
            except amqp.exceptions.NotFound:
                self._drop()
                raise TransientError(self._system, f"queue {self._queues[role]} does not exist: has the "
                                                   "Transportation system declared its queues?") from None
            except BROKER_ERRORS as error:
                self._drop()
                raise TransientError(self._system, f"broker: {type(error).__name__}: {error}") from None
            except Exception:
                self._drop()  # messages taken but not removed go back to their queue
                raise

    def _channel(self):
        if self._connection is None:
            self._connection = kombu.Connection(self._uri, connect_timeout=self._connect_timeout,
                                                transport_options={"confirm_publish": True, "max_retries": 0})
        return self._connection.default_channel

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        try:
            connection and connection.release()
        except BROKER_ERRORS:
            pass
