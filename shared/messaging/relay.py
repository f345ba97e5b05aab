"""The outbox relay: publishes committed events with publisher confirms, each request's events in order.

The guarantee, per request (an event's correlation_id, the service request id): a later
event of a request is published only once the broker confirmed every earlier one. Each
batch takes, in outbox order, only the oldest unpublished event of each request, so an
event waits, unpublished, behind any earlier event of its request: one not yet confirmed,
one waiting out a pause, one parked. Events of different requests are independent, and
one that fails holds back nobody else. Rows without a correlation_id (the metrics
stream's messages) have no request to keep in order: each stands alone.

When the broker refuses an event (no queue is bound for it, or it nacks it), the event's
own trouble: its attempt is counted, it pauses (2, 4, 8 ... up to 60 s) while the rest
flow on at the poll interval, and after `park_after` refusals (OUTBOX_PARK_AFTER, default
10: about five minutes) it is parked, with its reason in `last_error`, logged at error
level. A parked event still holds back its request's later events, so they never overtake
it; operators list and release parked events (`python -m shared.messaging.outbox`), and
a released event goes out first, its request's later events after it.

When the broker cannot be reached or confirms nothing in time, no event is at fault: no
attempt is counted, and the relay backs off (up to 30 s) until the broker answers again.

Between batches the relay keeps both tables small: published events are forgotten after
`retention` (checked every minute), processed event ids of the inbox after
`inbox_retention` (INBOX_RETENTION_DAYS, default 30: far beyond any redelivery, retry
delay or republish; checked hourly, since the inbox has no index on processed_at).

Several instances of a service, several relays on one outbox (PostgreSQL): a batch claims its
rows with FOR UPDATE SKIP LOCKED and holds the claim, in one transaction, across publishing,
the confirms and the marking. Another relay skips the claimed rows, and since a claimed row
is still unpublished, its request's later rows stay behind it there too: each event goes
out once (a crash between the confirm and the commit republishes it, as with one relay),
each request in order. The transaction rather than a lease column: a relay that dies lets
go of its rows when its connection closes, with no lease to run out and no clock to trust,
and the broker round trip it spans is bounded (connect and confirm timeouts). A connection
that vanishes without closing is ended by the server after CLAIM_IDLE_SECONDS idle in the
claim (idle_in_transaction_session_timeout), which releases its rows. The claimed rows
block nobody else: handlers only insert, the purge deletes published rows only, and the
operators' release touches parked rows only, which no batch claims.

On SQLite (development: one host, one writer at a time) the read ends before publishing:
holding it would hold the process's only connection, every handler's, for the round trip.
One relay per database file holds as above; two processes on one file may publish a row
twice (consumers absorb it) and a request's events may then arrive out of order.
"""
import threading
import time
from datetime import datetime, timedelta, timezone

import structlog
from nameko.standalone.events import get_event_exchange
from sqlalchemy import bindparam, delete, exists, or_, select, text, update

from shared.messaging.confirms import ConfirmedPublisher, Refused, Unconfirmed
from shared.persistence.tables import inbox, outbox

log = structlog.get_logger("city311.relay")
MAX_BACKOFF_SECONDS = 30.0

_earlier = outbox.alias("earlier")
# Built once with bound parameters, so SQLAlchemy compiles it once (see unit_of_work.py).
_DUE = (select(outbox.c.id, outbox.c.event_id, outbox.c.exchange, outbox.c.routing_key, outbox.c.payload,
               outbox.c.attempts, outbox.c.correlation_id)
        .where(outbox.c.published_at.is_(None), outbox.c.parked_at.is_(None),
               or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= bindparam("now")),
               ~exists().where(_earlier.c.correlation_id == outbox.c.correlation_id,
                               _earlier.c.published_at.is_(None), _earlier.c.id < outbox.c.id))
        .order_by(outbox.c.id).limit(bindparam("limit"))
        .with_for_update(skip_locked=True))   # PostgreSQL; SQLite compiles no lock clause
CLAIM_IDLE_SECONDS = 120   # above the publisher's connect (15 s) and confirm (30 s) timeouts
_HOLD_CLAIM_IDLE = text(f"SET LOCAL idle_in_transaction_session_timeout = '{CLAIM_IDLE_SECONDS}s'")


class BrokerUnavailable(Exception):
    """The broker could not be reached or did not confirm: nobody's fault among the events."""


class OutboxRelay:
    """Moves rows from a service's outbox to its events exchange.

    A row is marked published only after the broker confirmed it, so a crash
    at any point republishes at worst (consumers are idempotent) and never
    loses. Publishing is mandatory: an event no queue is bound for stays in
    the outbox and is retried, then parked, instead of vanishing.
    """
    due = _DUE

    def __init__(self, session_factory, amqp_uri, service_name, batch_size=200,
                 poll_interval=1.0, retention=timedelta(hours=24), park_after=10, max_retry_pause=60.0,
                 inbox_retention=timedelta(days=30)):
        self._sessions = session_factory
        self._exchange = get_event_exchange(service_name)
        self._publisher = ConfirmedPublisher(amqp_uri, declare=[self._exchange])
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.retention = retention
        self.park_after = park_after
        self.max_retry_pause = max_retry_pause
        self.purge_interval = 60.0
        self._next_purge = 0.0
        self.inbox_retention = inbox_retention
        self.inbox_purge_interval = 3600.0
        self._next_inbox_purge = 0.0
        self._wake = threading.Event()
        self._stopped = False

    def wake(self):
        """Ask the relay to look at the outbox now (called after a commit that recorded events)."""
        self._wake.set()

    def stop(self):
        self._stopped = True
        self._wake.set()

    def run(self):
        """Relay until stopped, at the poll interval; only broker or database trouble backs off."""
        pause = self.poll_interval
        while not self._stopped:
            self._wake.wait(pause)
            self._wake.clear()
            try:
                while not self._stopped and self.relay_batch():
                    pass  # a published event may have let its request's next one through
                if time.monotonic() >= self._next_purge:  # a DELETE per wake-up cost a transaction per event
                    self.purge_published()
                    self._next_purge = time.monotonic() + self.purge_interval
                if time.monotonic() >= self._next_inbox_purge:
                    self.purge_inbox()
                    self._next_inbox_purge = time.monotonic() + self.inbox_purge_interval
                pause = self.poll_interval
            except Exception as exc:  # keep relaying whatever went wrong; the rows stay
                log.warning("outbox relay failed, will retry", error=str(exc), retry_in=pause)
                pause = min(pause * 2, MAX_BACKOFF_SECONDS)
        self._publisher.close()

    def relay_batch(self):
        """Publish the next due event of up to `batch_size` requests; return how many were tried.

        The batch is published at once and its confirms awaited together; every row the broker
        confirmed is marked, every row it refused counts an attempt (and pauses, or is parked).
        Raises BrokerUnavailable, after recording the rest, if any row went unconfirmed.
        """
        with self._sessions() as session:
            rows = self._claim(session)
            if not rows:
                return 0
            outcomes = self._publisher.publish([self._message(row) for row in rows])
            self._record(session, rows, outcomes)
        unconfirmed = [outcome for outcome in outcomes if isinstance(outcome, Unconfirmed)]
        if unconfirmed:
            raise BrokerUnavailable(f"the broker did not confirm {len(unconfirmed)} event(s): {unconfirmed[0]}")
        return len(rows)

    def retry_pause(self, attempts):
        """Seconds a refused event waits before its next try, after `attempts` refusals."""
        return min(2.0 ** attempts, self.max_retry_pause)

    def _claim(self, session):
        """The due rows, claimed until `session` commits on PostgreSQL; read and let go of on SQLite.

        `due` is a SELECT ... FOR UPDATE SKIP LOCKED taking `now` and `limit` (a subclass relaying
        another table gives its own, with `_message` and `_record`)."""
        if session.get_bind().dialect.name == "sqlite":
            rows = session.execute(self.due, {"now": _now(), "limit": self.batch_size}).all()
            session.commit()   # frees the process's one connection for the round trip
            return rows
        session.execute(_HOLD_CLAIM_IDLE)
        return session.execute(self.due, {"now": _now(), "limit": self.batch_size}).all()

    def _message(self, row):
        """What the publisher sends for a claimed row: (exchange, routing_key, body, message_id[, properties])."""
        return row.exchange, row.routing_key, row.payload.encode(), row.event_id

    def _record(self, session, rows, outcomes):
        now = _now()
        confirmed = [row.id for row, outcome in zip(rows, outcomes) if outcome is None]
        if confirmed:
            session.execute(update(outbox).where(outbox.c.id.in_(confirmed)).values(published_at=now))
        for row, outcome in zip(rows, outcomes):
            if isinstance(outcome, Refused):
                self._refused(session, row, outcome, now)
        session.commit()

    def _refused(self, session, row, reason, now):
        attempts = row.attempts + 1
        details = dict(outbox_id=row.id, event_id=row.event_id, routing_key=row.routing_key,
                       correlation_id=row.correlation_id, attempts=attempts, reason=str(reason))
        if attempts >= self.park_after:
            changes = dict(parked_at=now)
            log.error("outbox event parked: the broker kept refusing it; its request's later events wait "
                      "behind it (python -m shared.messaging.outbox)", **details)
        else:
            changes = dict(next_attempt_at=now + timedelta(seconds=self.retry_pause(attempts)))
            log.warning("outbox event refused by the broker, will retry", **details)
        session.execute(update(outbox).where(outbox.c.id == row.id).values(
            attempts=attempts, last_error=reason[:2000], **changes))

    def purge_published(self):
        """Forget events published longer ago than the retention period."""
        cutoff = _now() - self.retention
        with self._sessions() as session:
            session.execute(delete(outbox).where(outbox.c.published_at < cutoff))
            session.commit()

    def purge_inbox(self):
        """Forget processed event ids older than the inbox's retention period; how many were forgotten."""
        cutoff = _now() - self.inbox_retention
        with self._sessions() as session:
            purged = session.execute(delete(inbox).where(inbox.c.processed_at < cutoff)).rowcount
            session.commit()
        if purged:
            log.info("inbox purged", processed_before=cutoff.isoformat(), events=purged)
        return purged


def _now():
    return datetime.now(timezone.utc)
