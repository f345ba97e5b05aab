"""Outside clients of the bus for the tests, on pika as a channel system or a department system would be."""
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import pika

from examples.connection import connection_parameters
from tests.support.waiting import wait_until

CHANNELS = "channels.events"


class ChannelClient:
    """A channel system: publishes to `channels.events` with confirms and reads the replies on its own queue."""

    def __init__(self, uri):
        self.connection = pika.BlockingConnection(connection_parameters(uri))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.reply_to = self.channel.queue_declare("", exclusive=True).method.queue
        self.replies = []
        self.channel.basic_consume(self.reply_to, self._on_reply, auto_ack=True)

    def close(self):
        if self.connection.is_open:
            self.connection.close()

    def publish(self, routing_key, body, message_id=None, correlation_id=None, reply=True,
                content_type="application/json"):
        """Publish a body (dict, or bytes as they are); return the correlation id the reply will carry."""
        message_id = message_id if message_id is not None else f"test-{uuid.uuid4().hex}"
        correlation_id = correlation_id or message_id or f"test-{uuid.uuid4().hex}"
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.channel.basic_publish(CHANNELS, routing_key, payload, pika.BasicProperties(
            content_type=content_type, delivery_mode=2, message_id=message_id or None,
            correlation_id=correlation_id, reply_to=self.reply_to if reply else None), mandatory=True)
        return correlation_id

    def replies_to(self, correlation_id, count=1, timeout=60):
        """The replies carrying `correlation_id`, once there are `count` of them (bounded wait)."""
        def arrived():
            self.connection.process_data_events(time_limit=0.2)
            found = [body for cid, body in self.replies if cid == correlation_id]
            return found if len(found) >= count else None
        return wait_until(arrived, timeout, 0.05, f"{count} replies to {correlation_id}")

    def reply_to_message(self, correlation_id, timeout=60):
        return self.replies_to(correlation_id, 1, timeout)[0]

    def _on_reply(self, channel, method, properties, body):
        self.replies.append((properties.correlation_id, json.loads(body)))


@dataclass
class Delivered:
    routing_key: str
    type: str
    message_id: str
    body: dict


class DepartmentClient:
    """A department system: takes messages off `departments.<code>` and publishes its status reports."""

    def __init__(self, uri, department):
        self.department = department
        self.queue = f"departments.{department}"
        self.connection = pika.BlockingConnection(connection_parameters(uri))
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        self.received = []

    def close(self):
        if self.connection.is_open:
            self.connection.close()

    def wait_for_queue(self, timeout=60):
        """The city declares the department's queues: wait for them (bounded)."""
        def declared():
            probe = self.connection.channel()
            try:
                probe.queue_declare(self.queue, passive=True)
                probe.queue_declare(f"departments.status.{self.department}", passive=True)
            except pika.exceptions.ChannelClosedByBroker:
                return False
            probe.close()
            return True
        wait_until(declared, timeout, 0.3, f"the queues of {self.department}")

    def drain(self):
        """Take (and acknowledge) every message now in the queue; keep them in `received`."""
        taken = []
        while True:
            method, properties, body = self.channel.basic_get(self.queue)
            if method is None:
                break
            taken.append(Delivered(method.routing_key, properties.type, properties.message_id, json.loads(body)))
            self.channel.basic_ack(method.delivery_tag)
        self.received.extend(taken)
        return taken

    def wait_for(self, predicate, what, count=1, timeout=60):
        """Drain until `count` received messages match `predicate`; return them."""
        def matching():
            self.drain()
            found = [m for m in self.received if predicate(m)]
            return found if len(found) >= count else None
        return wait_until(matching, timeout, 0.2, what)

    def report(self, work_order_id, service_request_id, status, update_id=None, changed_at=None, **extra):
        """Publish a DepartmentStatusReport v1, persistent and confirmed; return its update id."""
        update_id = update_id or f"{work_order_id}:{status}:{uuid.uuid4().hex[:6]}"
        body = {"update_id": update_id, "work_order_id": work_order_id, "service_request_id": service_request_id,
                "department": self.department, "status": status,
                "changed_at": changed_at or datetime.now(timezone.utc).isoformat(), **extra}
        self.publish_status(body)
        return update_id

    def publish_status(self, body, message_type="department.status.v1"):
        payload = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.channel.basic_publish("departments.status", f"department.{self.department}.status", payload,
                                   pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                                        type=message_type), mandatory=True)


