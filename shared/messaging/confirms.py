"""Publisher confirms for a batch: send every message, then wait for all their confirms at once.

Waiting for each confirm before the next publish costs a broker round trip (and,
for a quorum queue, a replicated write) per message; a batch shares them, with the
same guarantee per message: it counts as published only once the broker confirmed
it, and a mandatory message no queue took is reported, never taken for published.

A message that did not get through is either Refused (the broker had it and said no: returned
unroutable or nacked, the message's own trouble) or Unconfirmed (the connection failed or no
confirm came in time: the broker's trouble, whatever the message).

The broker may be a cluster (AMQP_URI lists its nodes, shared/messaging/nodes.py): a connection
that fails is opened again on the next node that answers, starting from the one that last worked.
The connection carries AMQP heartbeats (nameko's HEARTBEAT setting, 60 s by default, as nameko's
own consumers): while confirms are awaited, a broker silent for two intervals is given up as dead;
a connection left idle past one interval (the relay had nothing to publish, and a publisher sends
heartbeats only while it works) is opened afresh rather than trusted, as the broker may have
closed it for its silence.
"""
import socket
import time

import amqp
from kombu import Connection
from nameko import config
from nameko.constants import HEARTBEAT_CONFIG_KEY

from shared.messaging.nodes import DEFAULT_HEARTBEAT_SECONDS, broker_nodes, host_port

PERSISTENT = 2


class Refused(str):
    """Why the broker refused a message it received: no queue took it, or it nacked it."""


class Unconfirmed(str):
    """Why a message has no confirm: not sent, or the connection failed or timed out before the confirm."""


NOT_SENT = Unconfirmed("not sent")
NO_CONFIRM = Unconfirmed("no confirm from the broker")


class ConfirmedPublisher:
    """One connection and one confirm-mode channel, kept across batches and reopened after any error."""

    def __init__(self, amqp_uri, declare=(), confirm_timeout=30.0, heartbeat=None, connect_timeout=15.0):
        self._nodes = broker_nodes(amqp_uri)
        self._declare, self._timeout, self._connect_timeout = list(declare), confirm_timeout, connect_timeout
        # seconds; 0 turns heartbeats off. None: the service's HEARTBEAT setting, as nameko's consumers
        self.heartbeat = float(config.get(HEARTBEAT_CONFIG_KEY, DEFAULT_HEARTBEAT_SECONDS)
                               if heartbeat is None else heartbeat)
        self._connection = self._channel = None
        self._last_used = 0.0
        self._next_tag = 1
        self._pending = {}       # delivery tag -> index in the current batch
        self._returned_ids = {}  # message id -> index in the current batch
        self._outcomes = []

    def publish(self, messages):
        """Publish (exchange, routing_key, body, message_id[, properties]) in order, persistent and mandatory.

        `properties`, a dict, adds message properties (a reply's correlation_id); message ids are unique in a batch.

        One outcome per message, in order: None once the broker confirmed it, else why not: a
        Refused (returned unroutable, nacked) or an Unconfirmed (the connection failed or timed out).
        """
        self._outcomes = [NOT_SENT] * len(messages)
        try:
            channel = self._open()
            self._returned_ids = by_id = {}
            for index, (exchange, routing_key, body, message_id, *properties) in enumerate(messages):
                self._pending[self._next_tag] = index
                by_id[message_id] = index
                self._next_tag += 1
                self._outcomes[index] = NO_CONFIRM
                channel.basic_publish(amqp.Message(body, content_type="application/json", content_encoding="utf-8",
                                                   delivery_mode=PERSISTENT, priority=0, message_id=message_id,
                                                   application_headers={}, **(properties[0] if properties else {})),
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

    @property
    def node(self):
        """host:port of the node the connection is open to (None when closed)."""
        if self._connection is None:
            return None
        return f"{self._connection.hostname}:{self._connection.port}"

    def _open(self):
        if self._channel is not None and self.heartbeat and not self._still_alive():
            self.close()
        self._last_used = time.monotonic()
        if self._channel is None:
            # every node once, without pause: the failover is at once, the retrying is the relay's
            self._connection = Connection(self._nodes, connect_timeout=self._connect_timeout,
                                          heartbeat=self.heartbeat, failover_strategy="round-robin")
            self._connection.ensure_connection(max_retries=len(self._nodes) - 1, interval_start=0,
                                               interval_step=0, interval_max=0)
            self._start_next_time_at(self._connection)
            channel = self._connection.channel()
            for entity in self._declare:
                entity(channel).declare()
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            channel.events["basic_return"].add(self._on_return)
            self._channel, self._next_tag, self._returned_ids = channel, 1, {}
        return self._channel

    def _still_alive(self):
        """False for a connection idle past a heartbeat interval (the broker may have closed it for its
        silence) or whose broker missed its heartbeats: it is opened afresh rather than published on."""
        if time.monotonic() - self._last_used >= self.heartbeat:
            return False
        try:
            self._connection.heartbeat_check()
        except Exception:  # missed heartbeats, a socket gone: the connection is dead either way
            return False
        return True

    def _start_next_time_at(self, connection):
        """The node that answered goes first when the connection is opened again (no wait on a dead one)."""
        at = (connection.hostname, connection.port)
        for index, node in enumerate(self._nodes):
            if host_port(node) == at:
                self._nodes = self._nodes[index:] + self._nodes[:index]
                return

    def _await_confirms(self):
        deadline = time.monotonic() + self._timeout
        while self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout(f"{len(self._pending)} confirms missing after {self._timeout:g} s")
            try:
                self._connection.drain_events(timeout=min(left, self.heartbeat / 2) if self.heartbeat else left)
            except socket.timeout:
                if self.heartbeat:
                    self._connection.heartbeat_check()   # ours go out; the broker's missed twice: raises
        self._last_used = time.monotonic()

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
