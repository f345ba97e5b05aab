"""The Transportation system's own queues on RabbitMQ, through one blocking pika connection per loop.

The connection opens on first use (declaring the durable queues, and creating
the vhost with ``rabbitmqctl`` -- or the command in RABBITMQCTL -- when it is
missing and the broker is local) and
is dropped after any broker error, to be opened again on the next run.
"""
import logging
import os
import shlex
import shutil
import subprocess
from urllib.parse import unquote, urlparse

import pika
from pika.exceptions import AMQPError, ProbableAccessDeniedError

log = logging.getLogger("broker")

PERSISTENT = pika.DeliveryMode.Persistent


class BrokerUnavailable(Exception):
    """The broker cannot be used right now (the loop tries again on its next run)."""


class DepartmentQueues:
    """Get, acknowledge, publish (with publisher confirms) and park messages on the system's queues."""

    def __init__(self, uri: str, queues: dict[str, str]):
        self._parameters = pika.URLParameters(uri)
        self._parameters.connection_attempts = 1
        self._parameters.socket_timeout = self._parameters.stack_timeout = 10
        self._uri = uri
        self.queues = queues
        self._connection = None
        self._channel = None

    def get(self, queue: str):
        """The next message (method, properties, body) waiting on ``queue``, or None."""
        method, properties, body = self._call(lambda channel: channel.basic_get(self.queues[queue]))
        return None if method is None else (method, properties, body)

    def ack(self, method) -> None:
        """Remove a message got from a queue."""
        self._call(lambda channel: channel.basic_ack(method.delivery_tag))

    def publish(self, queue: str, body: bytes, bod_id: str, correlation_id: str, kind: str,
                headers: dict | None = None) -> None:
        """Publish a persistent message and wait for the broker's confirm."""
        properties = pika.BasicProperties(content_type="application/xml", delivery_mode=PERSISTENT,
                                          message_id=bod_id, correlation_id=correlation_id, type=kind,
                                          app_id="transportation", headers=headers)
        self._call(lambda channel: channel.basic_publish("", self.queues[queue], body, properties))

    def park(self, origin: str, properties, body: bytes, reason: str) -> None:
        """Put an unreadable message on the parked queue with the reason, so the rest keeps flowing."""
        log.warning("parking a message from %s: %s", self.queues[origin], reason)
        headers = {**(properties.headers or {}), "x-parked-reason": reason[:1000],
                   "x-parked-from": self.queues[origin], "x-parked-by": "transportation"}
        self.publish("parked", body, properties.message_id or "", properties.correlation_id or "",
                     properties.type or "unreadable", headers)

    def close(self) -> None:
        """Close the connection quietly."""
        connection, self._connection, self._channel = self._connection, None, None
        try:
            if connection and connection.is_open:
                connection.close()
        except AMQPError:
            pass

    def _call(self, action):
        try:
            return action(self._channel or self._open())
        except AMQPError as error:
            self.close()
            raise BrokerUnavailable(f"{type(error).__name__}: {error}") from None

    def _open(self):
        try:
            self._connection = pika.BlockingConnection(self._parameters)
        except ProbableAccessDeniedError:
            if not create_vhost(self._uri):
                raise
            self._connection = pika.BlockingConnection(self._parameters)
        channel = self._connection.channel()
        channel.confirm_delivery()
        for queue in self.queues.values():
            channel.queue_declare(queue, durable=True)
        self._channel = channel
        return channel


def create_vhost(uri: str) -> bool:
    """Create the URI's vhost with rabbitmqctl (local broker only); False when that is not possible."""
    parsed = urlparse(uri)
    vhost = unquote(parsed.path[1:]) or "/"
    ctl = shlex.split(os.environ.get("RABBITMQCTL") or "rabbitmqctl")
    if parsed.hostname not in ("localhost", "127.0.0.1") or not shutil.which(ctl[0]):
        log.error("vhost %r does not exist: create it (rabbitmqctl add_vhost %s) or point --amqp-uri at "
                  "an existing vhost (the queue names carry a 'transportation.' prefix)", vhost, vhost)
        return False
    log.info("creating vhost %r", vhost)
    user = parsed.username or "guest"
    for command in (["add_vhost", vhost], ["set_permissions", "-p", vhost, user, ".*", ".*", ".*"]):
        subprocess.run([*ctl, *command], capture_output=True, timeout=60, check=False)
    return True
