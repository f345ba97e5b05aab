"""One department's exchanges and queues on the city's bus, city side: declared, published to, status taken off.

The city declares them (on each new connection; declaring again is a no-op),
so a department system that is down when its first work order is routed finds
it waiting in its queue. The connection is a BrokerLink (broker trouble is a
TransientError).
"""
import json
import logging
from datetime import datetime, timezone
from typing import Callable

import amqp
from kombu import Exchange, Queue

from .broker_link import BrokerLink, take_each

log = logging.getLogger(__name__)
TO_DEPARTMENTS = Exchange("departments", type="topic", durable=True)
FROM_DEPARTMENTS = Exchange("departments.status", type="topic", durable=True)
_QUORUM = {"x-queue-type": "quorum"}


class DepartmentBus:
    """`departments.<code>` (what the department takes), `departments.status.<code>` (what it reports)."""

    def __init__(self, system: str, uri: str, department: str, connect_timeout: float, delivery_limit: int,
                 dead_letter_queue: str):
        self._system = system
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
        self._link = BrokerLink(system, uri, connect_timeout, {"confirm_publish": True}, self._declare)

    def publish(self, routing_key: str, body: dict, message_id: str, message_type: str, correlation_id: str) -> None:
        """Publish a persistent message to `departments`, mandatory, and wait for the broker's confirm."""
        message = amqp.Message(json.dumps(body).encode(), content_type="application/json",
                               content_encoding="utf-8", delivery_mode=2, message_id=message_id,
                               correlation_id=correlation_id, type=message_type, app_id="city311")
        self._link.run(lambda channel: channel.basic_publish(message, exchange=TO_DEPARTMENTS.name,
                                                                 routing_key=routing_key, mandatory=True))

    def take(self, keep: Callable[[amqp.Message], str | None], limit: int) -> int:
        """Hand up to `limit` status reports to `keep`; one it cannot use (its reason) is dead-lettered.

        Either way a message leaves the status queue only after `keep` returned.
        """
        return self._link.run(lambda channel: take_each(
            channel, self.status_queue, keep, lambda message, reason: self._dead_letter(channel, message, reason),
            limit))

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

    def _declare(self, connection) -> None:
        for queue in self._declared:
            queue(connection.default_channel).declare()
