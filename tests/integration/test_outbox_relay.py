"""The transactional outbox: committed events survive a crash before publishing; rolled-back ones never go."""
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from shared.messaging.relay import OutboxRelay
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.tables import outbox
from shared.persistence.unit_of_work import UnitOfWork
from tests.support.broker import isolated_vhost
from tests.support.bus import BusTap
from tests.support.processes import ROOT
from tests.support.waiting import wait_until

EXAMPLE = ROOT / "shared" / "events" / "examples" / "RequestCreated.v1.json"


@pytest.fixture
def amqp_uri():
    """A vhost of each test's own: "nobody listens" must not meet queues other tests bound on a shared one."""
    with isolated_vhost() as uri:
        yield uri


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    upgrade("intake", url)
    return url


def _commit_then_die(url):
    """A process that commits an event and is killed before any relay could publish it."""
    script = textwrap.dedent(f"""
        import json, os, signal
        from sqlalchemy.orm import sessionmaker
        from shared.persistence.engine import make_engine
        from shared.persistence.unit_of_work import UnitOfWork
        sessions = sessionmaker(make_engine({url!r}))
        with UnitOfWork(sessions, "intake") as uow:
            event = uow.publish("RequestCreated", json.load(open({str(EXAMPLE)!r})), "26-0000123")
        print(event["event_id"], flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == -9, done.stderr
    return done.stdout.strip()


def _relay(url, amqp_uri):
    return OutboxRelay(sessionmaker(make_engine(url)), amqp_uri, "intake")


def _pending(url):
    with sessionmaker(make_engine(url))() as session:
        return session.execute(select(outbox).where(outbox.c.published_at.is_(None))).all()


def test_an_event_committed_before_a_crash_is_published_once_after_restart(database, amqp_uri):
    event_id = _commit_then_die(database)
    assert [row.event_id for row in _pending(database)] == [event_id]
    with BusTap(amqp_uri) as tap:
        relay = _relay(database, amqp_uri)
        assert relay.relay_batch() == 1
        wait_until(lambda: tap.of_type("RequestCreated"), 10, what="the relayed event")
        assert relay.relay_batch() == 0
    assert [e["event_id"] for e in tap.of_type("RequestCreated")] == [event_id]
    assert _pending(database) == []


def test_a_rolled_back_transaction_publishes_nothing(database, amqp_uri):
    sessions = sessionmaker(make_engine(database))
    with pytest.raises(RuntimeError):
        with UnitOfWork(sessions, "intake") as uow:
            uow.publish("RequestCreated", __import__("json").loads(EXAMPLE.read_text()), "26-0000123")
            raise RuntimeError("the handler failed after recording its event")
    assert _pending(database) == []
    assert _relay(database, amqp_uri).relay_batch() == 0


def test_an_event_nobody_listens_to_stays_in_the_outbox_and_waits_before_its_next_try(database, amqp_uri):
    event_id = _commit_then_die(database)
    relay = _relay(database, amqp_uri)       # no tap: nothing bound on this vhost
    assert relay.relay_batch() == 1
    (row,) = _pending(database)
    assert row.event_id == event_id and row.attempts == 1
    assert "no queue is bound for intake.events/RequestCreated" in row.last_error
    assert row.next_attempt_at is not None and row.parked_at is None
    assert relay.relay_batch() == 0, "not tried again before its pause is over"
