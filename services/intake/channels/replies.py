"""Replies to channel messages: recorded with the answer, sent afterwards, each on its own.

A reply is written in the same transaction as the request or the rejection it
announces, so a crash after the commit still sends it. It does not go through
the service's event outbox: that relay keeps each request's events in order,
and a reply whose client has gone (and taken its queue with it) must hold back
nothing. Here an undeliverable reply is tried CHANNEL_REPLY_ATTEMPTS times with
growing pauses, then dropped with a log line; the answer stays in
channel_messages, and sending the same message again gets it again
(GET /channels/<channel>/messages/<id> shows it too).

The relay is the outbox relay's (shared/messaging/relay.py) over channel_replies:
its loop, wake-up, confirmed batches and claim. With several intake instances on
PostgreSQL a batch claims its replies with FOR UPDATE SKIP LOCKED and holds the
claim, in one transaction, across publishing, the broker's confirms and the
marking: another instance's relay skips them, so each reply goes out once (a
crash between the confirm and the commit sends it again; the channel's client
matches replies by correlation_id). On SQLite (one host) the read lets go before
publishing, as the outbox relay's does: two processes on one file may send a
reply twice.
"""
from datetime import datetime, timedelta, timezone

import structlog
from nameko import config
from nameko.extensions import DependencyProvider
from sqlalchemy import bindparam, delete, select, update

from services.intake.channels.models import ChannelReply
from shared.messaging.confirms import ConfirmedPublisher, Refused
from shared.messaging.relay import OutboxRelay
from shared.persistence.provider import UnitOfWorkProvider

log = structlog.get_logger("city311.intake.channels")
MAX_PAUSE_SECONDS = 60
# Built once with bound parameters, like the outbox relay's; PostgreSQL claims, SQLite compiles no lock clause.
_DUE = (select(ChannelReply.id, ChannelReply.reply_to, ChannelReply.correlation_id, ChannelReply.payload,
               ChannelReply.attempts)
        .where(ChannelReply.state == "pending", ChannelReply.next_attempt_at <= bindparam("now"))
        .order_by(ChannelReply.id).limit(bindparam("limit"))
        .with_for_update(skip_locked=True))


def _now():
    return datetime.now(timezone.utc)


def record_reply(session, payload, received):
    """Queue `payload` (JSON text) for the message's reply_to queue, in the caller's transaction."""
    now = _now()
    session.add(ChannelReply(reply_to=received.reply_to, correlation_id=received.correlation_id or received.message_id,
                             payload=payload, state="pending", attempts=0, next_attempt_at=now, created_at=now))


class ReplyRelay(OutboxRelay):
    """The outbox relay over the channel_replies table; each reply confirmed and mandatory, on its own."""
    due = _DUE

    def __init__(self, session_factory, amqp_uri, max_attempts, **kwargs):
        super().__init__(session_factory, amqp_uri, "intake", **kwargs)
        self.max_attempts = max_attempts
        self._publisher = ConfirmedPublisher(amqp_uri)   # the default exchange: nothing to declare

    def _message(self, row):
        return ("", row.reply_to, row.payload.encode(), f"channel-reply-{row.id}",
                {"correlation_id": row.correlation_id})

    def _record(self, session, rows, outcomes):
        """Mark the confirmed replies sent; a refused one (its queue is gone) counts, pauses, then is dropped."""
        now = _now()
        sent = [row.id for row, outcome in zip(rows, outcomes) if outcome is None]
        if sent:
            session.execute(update(ChannelReply).where(ChannelReply.id.in_(sent)).values(state="sent", sent_at=now))
        for row, outcome in zip(rows, outcomes):
            if isinstance(outcome, Refused):
                attempts = row.attempts + 1
                changes = dict(attempts=attempts, last_error=str(outcome)[:2000],
                               next_attempt_at=now + timedelta(seconds=min(2 ** attempts, MAX_PAUSE_SECONDS)))
                if attempts >= self.max_attempts:
                    changes["state"] = "dropped"
                    log.warning("reply dropped: its queue is gone", reply_to=row.reply_to,
                                correlation_id=row.correlation_id, attempts=attempts, reason=str(outcome))
                session.execute(update(ChannelReply).where(ChannelReply.id == row.id).values(**changes))
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
