"""Publisher confirms for a batch: send every message, then wait for all their confirms at once.

Waiting for each confirm before the next publish costs a broker round trip (and,
for a quorum queue, a replicated write) per message; a batch shares them, with the
same guarantee per message: it counts as published only once the broker confirmed
it, and a mandatory message no queue took is reported, never taken for published.

A message that did not get through is either Refused (the broker had it and said no: returned
unroutable or nacked, the message's own trouble) or Unconfirmed (the connection failed or no
confirm came in time: the broker's trouble, whatever the message).
"""
import socket
import time

import amqp
from kombu import Connection

PERSISTENT = 2


class Refused(str):
    """Why the broker refused a message it received: no queue took it, or it nacked it."""


class Unconfirmed(str):
    """Why a message has no confirm: not sent, or the connection failed or timed out before the confirm."""


NOT_SENT = Unconfirmed("not sent")
NO_CONFIRM = Unconfirmed("no confirm from the broker")


class ConfirmedPublisher:
    """One connection and one confirm-mode channel, kept across batches and reopened after any error."""

    def __init__(self, amqp_uri, declare=(), confirm_timeout=30.0):
        self._uri, self._declare, self._timeout = amqp_uri, list(declare), confirm_timeout
        self._connection = self._channel = None
        self._next_tag = 1
        self._pending = {}       # delivery tag -> index in the current batch
        self._returned_ids = {}  # message id -> index in the current batch
        self._outcomes = []

    def publish(self, messages):
        """Publish (exchange, routing_key, body, message_id) in order, persistent and mandatory.

        One outcome per message, in order: None once the broker confirmed it, else why not: a
        Refused (returned unroutable, nacked) or an Unconfirmed (the connection failed or timed out).
        """
        self._outcomes = [NOT_SENT] * len(messages)
        try:
            channel = self._open()
            self._returned_ids = by_id = {}
            for index, (exchange, routing_key, body, message_id) in enumerate(messages):
                self._pending[self._next_tag] = index
                by_id[message_id] = index
                self._next_tag += 1
                self._outcomes[index] = NO_CONFIRM
                channel.basic_publish(amqp.Message(body, content_type="application/json", content_encoding="utf-8",
                                                   delivery_mode=PERSISTENT, priority=0, message_id=message_id,
                                                   application_headers={}),
                                      exchange=exchange, routing_key=routing_key, mandatory=True)
            self._await_confirms()
        except Exception as exc:  # connection lost, timed out, channel closed: unconfirmed, reopen next time
            self._fail_pending(Unconfirmed(f"{type(exc).__name__}: {exc}"))
            self.close()
        return self._outcomes

    def close(self):
        connection, self._connection, self._channel = self._connection, None, None
        self._pending.clear()
        if connection is not None:
            try:
                connection.release()
            except Exception:  # closing a broken connection: nothing left to save
                pass

    def _open(self):
        if self._channel is None:
            self._connection = Connection(self._uri, connect_timeout=15)
            channel = self._connection.channel()
            for entity in self._declare:
                entity(channel).declare()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            self._channel, self._next_tag, self._returned_ids = channel, 1, {}
        return self._channel

    def _await_confirms(self):
        deadline = time.monotonic() + self._timeout
        while self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout(f"{len(self._pending)} confirms missing after {self._timeout:g} s")
            self._connection.drain_events(timeout=left)

    def _settle(self, tag, multiple, outcome):
        tags = [t for t in self._pending if t <= tag] if multiple else [tag]
        for t in tags:
            index = self._pending.pop(t, None)
            if index is not None and self._outcomes[index] is NO_CONFIRM:
                self._outcomes[index] = outcome

    def _on_ack(self, tag, multiple):
        self._settle(tag, multiple, None)

    def _on_nack(self, tag, multiple):
        self._settle(tag, multiple, Refused("nacked by the broker"))

    def _on_return(self, exc, exchange, routing_key, message):
        # A return comes before the ack of the same message: mark it so the ack cannot clear it.
        index = self._returned_ids.get(message.properties.get("message_id"))
        if index is not None:
            self._outcomes[index] = Refused(f"no queue is bound for {exchange}/{routing_key}")

    def _fail_pending(self, reason):
        for index in self._pending.values():
            if self._outcomes[index] is NO_CONFIRM:
                self._outcomes[index] = reason
