"""Two intake instances, two channel-reply relays on one PostgreSQL channel_replies table: each reply sent once."""
import threading
from types import SimpleNamespace

import pytest
from kombu import Connection, Queue
from sqlalchemy import func, select, update
from sqlalchemy.orm import sessionmaker

from services.intake.channels.models import ChannelReply
from services.intake.channels.replies import ReplyRelay, record_reply
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from tests.integration.conftest import BACKENDS, _require
from tests.support.databases import database_urls
from tests.support.waiting import wait_until

REPLY_QUEUE = "phone-replies"
MESSAGES = [f"phone-call-{n:03d}" for n in range(12)]


@pytest.fixture(params=BACKENDS)
def intake_sessions(request, tmp_path):
    """Sessions on intake's freshly migrated database (channel_replies as the migrations make it)."""
    _require(request.param)
    with database_urls(request.param, tmp_path) as urls:
        upgrade("intake", urls["intake"])
        engine = make_engine(urls["intake"])
        try:
            yield sessionmaker(engine, expire_on_commit=False)
        finally:
            engine.dispose()


def _record_replies(sessions):
    """One reply per answered message, as submissions.py records them with the answer."""
    with sessions() as session:
        for message_id in MESSAGES:
            received = SimpleNamespace(reply_to=REPLY_QUEUE, correlation_id=message_id, message_id=message_id)
            record_reply(session, f'{{"message_id": "{message_id}"}}', received)
        session.commit()


def _both_read_before_either_publishes(relays):
    """Each relay's first publish waits until the other relay reached its own: both have read their first batch."""
    barrier = threading.Barrier(len(relays), timeout=30)
    for relay in relays:
        publish = relay._publisher.publish

        def first_waits(messages, publish=publish, waited=[]):
            if not waited:
                waited.append(True)
                barrier.wait()
            return publish(messages)
        relay._publisher.publish = first_waits


def _pending(sessions):
    with sessions() as session:
        return session.execute(select(func.count()).where(ChannelReply.state == "pending")).scalar()


def _received(uri):
    """The correlation_id of every reply on the reply queue, in arrival order."""
    with Connection(uri) as connection:
        channel = connection.channel()
        received = []
        while (message := channel.basic_get(REPLY_QUEUE, no_ack=True)) is not None:
            received.append(message.properties["correlation_id"])
        return received


@pytest.mark.postgres
@pytest.mark.parametrize("intake_sessions", ["postgresql"], indirect=True)   # SQLite: one instance per file
def test_two_reply_relays_on_one_table_send_each_reply_once(intake_sessions, amqp_uri):
    with Connection(amqp_uri) as connection:
        Queue(REPLY_QUEUE, durable=False)(connection.channel()).declare()
        _record_replies(intake_sessions)
        relays = [ReplyRelay(intake_sessions, amqp_uri, max_attempts=5, batch_size=2, poll_interval=0.05)
                  for _ in range(2)]
        _both_read_before_either_publishes(relays)
        threads = [threading.Thread(target=relay.run, daemon=True) for relay in relays]
        for thread in threads:
            thread.start()

        wait_until(lambda: _pending(intake_sessions) == 0, 60, what="the relays to send every reply")
        for relay, thread in zip(relays, threads):
            relay.stop()
            thread.join(30)
        assert not any(thread.is_alive() for thread in threads)

    received = _received(amqp_uri)   # confirmed, so already on the queue
    assert sorted(received) == MESSAGES, "each reply sent exactly once"
    with intake_sessions() as session:
        assert session.execute(select(ChannelReply.state, func.count()).group_by(ChannelReply.state)).all() \
            == [("sent", len(MESSAGES))]


def test_a_reply_whose_queue_is_gone_is_tried_again_then_dropped_while_the_others_go(intake_sessions, amqp_uri):
    with Connection(amqp_uri) as connection:
        Queue(REPLY_QUEUE, durable=False)(connection.channel()).declare()
        with intake_sessions() as session:
            for reply_to, message_id in ((REPLY_QUEUE, "sms-1"), ("gone-client", "sms-2")):
                record_reply(session, "{}", SimpleNamespace(reply_to=reply_to, correlation_id=message_id,
                                                            message_id=message_id))
            session.commit()
        relay = ReplyRelay(intake_sessions, amqp_uri, max_attempts=2)
        try:
            assert relay.relay_batch() == 2
            assert _states(intake_sessions) == [("sms-1", "sent", 0), ("sms-2", "pending", 1)]
            with intake_sessions() as session:   # its pause is over
                session.execute(update(ChannelReply).values(next_attempt_at=ChannelReply.created_at))
                session.commit()
            assert relay.relay_batch() == 1
            assert relay.relay_batch() == 0
        finally:
            relay._publisher.close()
    assert _states(intake_sessions) == [("sms-1", "sent", 0), ("sms-2", "dropped", 2)]
    assert _received(amqp_uri) == ["sms-1"]


def _states(sessions):
    with sessions() as session:
        return session.execute(select(ChannelReply.correlation_id, ChannelReply.state, ChannelReply.attempts)
                               .order_by(ChannelReply.id)).all()
