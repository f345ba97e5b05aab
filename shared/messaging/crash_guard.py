"""The crash-loop guard: a redelivered event that keeps killing its worker is dead-lettered.

The broker redelivers an unacked message whenever a consumer's connection drops, whether its
worker died handling it or it only sat in the prefetch; its delivery count cannot tell the two
apart, so a flapping connection would dead-letter healthy messages. The guard counts instead,
in the service's own database, how many times a *redelivered* event started its handler without
finishing: a short transaction before the handler (first deliveries pay nothing), and the row
removed once the handler returned, successfully or not. Messages that never started are never
counted, so reconnects cannot reach the limit; only deaths of the worker mid-handler do.
"""
from datetime import datetime, timezone

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.persistence.tables import delivery_starts as starts_table

_KEY = (starts_table.c.consumer, starts_table.c.event_id)


class CrashGuard:
    """Counts unfinished starts of redelivered events per consumer (work queue) on one engine."""

    def __init__(self, engine, consumer):
        self.engine, self.consumer = engine, consumer

    def record_start(self, event_id):
        """Record one more start of `event_id`; return how many earlier starts never finished."""
        where = self._where(event_id)
        try:
            with self.engine.begin() as connection:
                crashes = connection.execute(select(starts_table.c.starts).where(where)).scalar()
                if crashes is None:
                    connection.execute(insert(starts_table).values(
                        consumer=self.consumer, event_id=event_id, starts=1, last_started_at=_now()))
                    return 0
                connection.execute(update(starts_table).where(where).values(
                    starts=crashes + 1, last_started_at=_now()))
                return crashes
        except IntegrityError:  # another copy of the event started at this very moment: let both run
            return 0

    def finished(self, event_id):
        """The handler returned: its starts were not crashes."""
        with self.engine.begin() as connection:
            connection.execute(delete(starts_table).where(self._where(event_id)))

    def _where(self, event_id):
        return (_KEY[0] == self.consumer) & (_KEY[1] == event_id)


def _now():
    return datetime.now(timezone.utc)
