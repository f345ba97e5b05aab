"""Replies to channel messages: recorded with the answer, sent afterwards, each on its own.

A reply is written in the same transaction as the request or the rejection it
announces, so a crash after the commit still sends it. It does not go through
the service's event outbox: that relay publishes in strict order and stops at
the first row it cannot deliver, which is right for events and wrong for a
reply whose client has gone and taken its queue with it. Here an undeliverable
reply is tried CHANNEL_REPLY_ATTEMPTS times with growing pauses, then dropped
with a log line; the answer stays in channel_messages, and sending the same
message again gets it again (GET /channels/<channel>/messages/<id> shows it too).
"""
from datetime import datetime, timedelta, timezone

import structlog
from nameko import config
from nameko.amqp.publish import Publisher, UndeliverableMessage
from nameko.extensions import DependencyProvider
from sqlalchemy import delete, select

from services.intake.channels.models import ChannelReply
from shared.messaging.relay import OutboxRelay
from shared.persistence.provider import UnitOfWorkProvider

log = structlog.get_logger("city311.intake.channels")
MAX_PAUSE_SECONDS = 60


def _now():
    return datetime.now(timezone.utc)


def record_reply(session, payload, received):
    """Queue `payload` (JSON text) for the message's reply_to queue, in the caller's transaction."""
    now = _now()
    session.add(ChannelReply(reply_to=received.reply_to, correlation_id=received.correlation_id or received.message_id,
                             payload=payload, state="pending", attempts=0, next_attempt_at=now, created_at=now))


class ReplyRelay(OutboxRelay):
    """The outbox relay's loop and wake-up over the channel_replies table; each reply confirmed and mandatory."""

    def __init__(self, session_factory, amqp_uri, max_attempts, **kwargs):
        super().__init__(session_factory, amqp_uri, "intake", **kwargs)
        self.max_attempts = max_attempts
        # its own publisher: a reply carries its correlation_id, and is sent (or given up) on its own
        self._replies = Publisher(amqp_uri, use_confirms=True, mandatory=True, retry_policy={"max_retries": 1})

    def relay_batch(self):
        """Send the replies that are due; broker trouble raises (the loop backs off), a missing queue counts."""
        with self._sessions() as session:
            due = session.execute(select(ChannelReply.id, ChannelReply.reply_to, ChannelReply.correlation_id,
                                         ChannelReply.payload)
                                  .where(ChannelReply.state == "pending", ChannelReply.next_attempt_at <= _now())
                                  .order_by(ChannelReply.id).limit(self.batch_size)).all()
        for row in due:
            try:
                self._replies.publish(row.payload.encode(), exchange="", routing_key=row.reply_to,
                                        content_type="application/json", content_encoding="utf-8",
                                        correlation_id=row.correlation_id)
            except UndeliverableMessage:
                self._record(row.id, f"no queue {row.reply_to!r}")
                continue
            self._record(row.id, None)
        return len(due)

    def _record(self, reply_id, error):
        with self._sessions() as session:
            reply = session.get(ChannelReply, reply_id)
            if error is None:
                reply.state, reply.sent_at = "sent", _now()
            else:
                reply.attempts, reply.last_error = reply.attempts + 1, error
                reply.next_attempt_at = _now() + timedelta(seconds=min(2 ** reply.attempts, MAX_PAUSE_SECONDS))
                if reply.attempts >= self.max_attempts:
                    reply.state = "dropped"
                    log.warning("reply dropped: its queue is gone", reply_to=reply.reply_to,
                                correlation_id=reply.correlation_id, attempts=reply.attempts)
            session.commit()

    def purge_published(self):
        """Forget replies sent or dropped longer ago than the retention period (the answers stay)."""
        with self._sessions() as session:
            session.execute(delete(ChannelReply).where(ChannelReply.state != "pending",
                                                       ChannelReply.created_at < _now() - self.retention))
            session.commit()


class ChannelReplies(DependencyProvider):
    """Runs the reply relay for as long as the service runs; injects it, so a handler can wake it."""

    def start(self):
        # The unit of work's engine: on SQLite a process keeps to one connection.
        unit_of_work = next(d for d in self.container.dependencies if isinstance(d, UnitOfWorkProvider))
        self.relay = ReplyRelay(unit_of_work.sessions, config["AMQP_URI"], int(config.get("CHANNEL_REPLY_ATTEMPTS", 5)),
                                poll_interval=float(config.get("OUTBOX_POLL_SECONDS", 1.0)))
        self.container.spawn_managed_thread(self.relay.run, identifier="channel-replies")

    def stop(self):
        if getattr(self, "relay", None):
            self.relay.stop()

    kill = stop

    def get_dependency(self, worker_ctx):
        return self.relay
