"""The Transportation system's queues, city side: publish with confirms, take documents off, park bad ones.

The connection is a BrokerLink (broker trouble is a TransientError); each
operation first checks, passively, that its queue exists.
"""
import logging
from typing import Callable

import amqp

from .broker_link import BrokerLink, take_each

log = logging.getLogger(__name__)


class DepartmentQueues:
    """The queues the Transportation system declared, by role: process, acknowledge, sync, parked."""

    def __init__(self, system: str, uri: str, queues: dict[str, str], connect_timeout: float):
        self._system = system
        self._queues = queues
        self._link = BrokerLink(system, uri, connect_timeout, {"confirm_publish": True, "max_retries": 0})

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
        return self._with_channel(role, lambda channel: take_each(
            channel, self._queues[role], lambda message: keep(message.body),
            lambda message, reason: self._park(channel, role, message, reason), limit))

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
        queue = self._queues[role]
        return self._link.run(action, prepare=lambda channel: channel.queue_declare(queue, passive=True),
                              not_found=f"queue {queue} does not exist: has the Transportation system "
                                        "declared its queues?")
