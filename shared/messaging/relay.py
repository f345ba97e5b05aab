"""The outbox relay: publishes committed events with publisher confirms, in order, until acknowledged."""
import threading
import time
from datetime import datetime, timedelta, timezone

import structlog
from nameko.standalone.events import get_event_exchange
from sqlalchemy import delete, select, update

from shared.messaging.confirms import ConfirmedPublisher
from shared.persistence.tables import outbox

log = structlog.get_logger("city311.relay")


class OutboxRelay:
    """Moves rows from a service's outbox to its events exchange.

    A row is marked published only after the broker confirmed it, so a crash
    at any point republishes at worst (consumers are idempotent) and never
    loses. Publishing is mandatory: an event no queue is bound for stays in
    the outbox and is retried, instead of vanishing.
    """

    def __init__(self, session_factory, amqp_uri, service_name, batch_size=200,
                 poll_interval=1.0, retention=timedelta(hours=24)):
        self._sessions = session_factory
        self._exchange = get_event_exchange(service_name)
        self._publisher = ConfirmedPublisher(amqp_uri, declare=[self._exchange])
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retention = retention
        self.purge_interval = 60.0
        self._next_purge = 0.0
        self._wake = threading.Event()
        self._stopped = False

    def wake(self):
        """Ask the relay to look at the outbox now (called after a commit that recorded events)."""
        self._wake.set()

    def stop(self):
        self._stopped = True
        self._wake.set()

    def run(self):
        """Relay until stopped; broker or database trouble backs off and tries again."""
        backoff = self.poll_interval
        while not self._stopped:
            self._wake.wait(backoff)
            self._wake.clear()
            try:
                while not self._stopped and self.relay_batch() == self.batch_size:
                    pass
                if time.monotonic() >= self._next_purge:  # a DELETE per wake-up cost a transaction per event
                    self.purge_published()
                    self._next_purge = time.monotonic() + self.purge_interval
                backoff = self.poll_interval
            except Exception as exc:  # keep relaying whatever went wrong; the rows stay
                log.warning("outbox relay failed, will retry", error=str(exc), retry_in=backoff)
                backoff = min(backoff * 2, 30.0)
        self._publisher.close()

    def relay_batch(self):
        """Publish up to `batch_size` pending events in outbox order; return how many were tried.

        The batch is published at once and its confirms awaited together; every row the
        broker confirmed is marked, and the first one it did not is recorded with the reason.
        """
        with self._sessions() as session:
            rows = session.execute(
                select(outbox.c.id, outbox.c.event_id, outbox.c.exchange, outbox.c.routing_key, outbox.c.payload)
                .where(outbox.c.published_at.is_(None)).order_by(outbox.c.id)
                .limit(self.batch_size)).all()
        if not rows:
            return 0
        outcomes = self._publisher.publish(
            [(row.exchange, row.routing_key, row.payload.encode(), row.event_id) for row in rows])
        done = [row.id for row, outcome in zip(rows, outcomes) if outcome is None]
        failure = next(((row.id, outcome) for row, outcome in zip(rows, outcomes) if outcome is not None), None)
        self._mark(done, failure)
        if failure:
            raise RuntimeError(f"outbox row {failure[0]}: {failure[1]}")
        return len(rows)

    def _mark(self, done, failure):
        now = datetime.now(timezone.utc)
        with self._sessions() as session:
            if done:
                session.execute(update(outbox).where(outbox.c.id.in_(done)).values(published_at=now))
            if failure:
                session.execute(update(outbox).where(outbox.c.id == failure[0]).values(
                    attempts=outbox.c.attempts + 1, last_error=failure[1][:2000]))
            session.commit()

    def purge_published(self):
        """Forget events published longer ago than the retention period."""
        cutoff = datetime.now(timezone.utc) - self.retention
        with self._sessions() as session:
            session.execute(delete(outbox).where(outbox.c.published_at < cutoff))
            session.commit()
