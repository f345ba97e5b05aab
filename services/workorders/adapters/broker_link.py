"""One kombu connection to a broker for an adapter: opened on first use, dropped after any error.

A lock keeps each operation to one caller at a time (green under eventlet), and
nobody waits while holding it. Broker trouble is a TransientError; any other
error drops the connection too, so messages taken but not acknowledged go back
to their queue.
"""
import socket
import threading
from typing import Callable

import amqp
import kombu
from kombu.exceptions import KombuError

from .base import TransientError

BROKER_ERRORS = (amqp.exceptions.AMQPError, KombuError, OSError, socket.timeout)


class BrokerLink:
    def __init__(self, system: str, uri: str, connect_timeout: float, transport_options: dict,
                 on_connect: Callable[[kombu.Connection], None] = lambda connection: None):
        self._system, self._uri, self._connect_timeout = system, uri, connect_timeout
        self._transport_options = transport_options
        self._on_connect = on_connect  # e.g. declare queues; a failure drops the connection: again next time
        self._connection: kombu.Connection | None = None
        self._lock = threading.Lock()

    def run(self, action, prepare=None, not_found: str | None = None):
        """`action(channel)` after `prepare(channel)`; `not_found`: the TransientError's reason when the broker
        says a queue or exchange is missing."""
        with self._lock:
            try:
                channel = self._channel()
                if prepare:
                    prepare(channel)
                return action(channel)
            except amqp.exceptions.NotFound as error:
                self._drop()
                raise TransientError(self._system, not_found or f"broker: NotFound: {error}") from None
            except BROKER_ERRORS as error:
                self._drop()
                raise TransientError(self._system, f"broker: {type(error).__name__}: {error}") from None
            except Exception:
                self._drop()
                raise

    def _channel(self):
        if self._connection is None:
            self._connection = kombu.Connection(self._uri, connect_timeout=self._connect_timeout,
                                                transport_options=self._transport_options)
            self._on_connect(self._connection)
        return self._connection.default_channel

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        try:
            connection and connection.release()
        except BROKER_ERRORS:
            pass


def take_each(channel, queue: str, keep: Callable[[amqp.Message], str | None],
              reject: Callable[[amqp.Message, str], None], limit: int) -> int:
    """Hand up to `limit` messages of `queue` to `keep` one at a time; the number taken.

    `keep` returns None once it has kept the message, or the reason it cannot use it: `reject` then puts it
    aside. Either way the message leaves its queue only after `keep` (and `reject`) returned.
    """
    for count in range(limit):
        message = channel.basic_get(queue)
        if message is None:
            return count
        reason = keep(message)
        if reason:
            reject(message, reason)
        channel.basic_ack(message.delivery_tag)
    return limit
