"""What a handler's failure says about the event: its own fault, or the infrastructure's.

Only a handler's own failure spends an event's retry budget. When the database or the
broker is out, every event would fail the same way; counting those failures would
dead-letter everything in flight during an outage. Such a failure instead holds the
message for a capped, growing back-off and returns it to its queue, unchanged.
"""
import amqp.exceptions
import kombu.exceptions
from sqlalchemy import exc as sa_exc

# The database is unreachable or went away (server down, network, connection killed), or every pooled
# connection is taken (a pool TimeoutError); the broker connection or channel failed under the handler.
_INFRASTRUCTURE = (
    sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError, sa_exc.TimeoutError,
    amqp.exceptions.ConnectionError, amqp.exceptions.ChannelError, kombu.exceptions.OperationalError,
)


def is_infrastructure_error(exc):
    """True when `exc` (or an exception it was raised from or during) is an outage, not the event's fault.

    Counted as infrastructure: SQLAlchemy's OperationalError (server unreachable, connection lost,
    SQLite's "database is locked", PostgreSQL's deadlock and serialization failures), InterfaceError,
    DisconnectionError and the pool's TimeoutError, any DBAPI error that invalidated its connection,
    and AMQP/kombu connection and channel errors. Everything else (a bug, a broken invariant, a
    rejected input, a department system refusing) is the handler's own failure.
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, _INFRASTRUCTURE):
            return True
        if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


class CappedBackoff:
    """A delay that doubles with each consecutive failure up to `cap` seconds, and starts over after a success."""

    def __init__(self, first=0.5, cap=30.0):
        self.first, self.cap = first, cap
        self._next = first

    def next_delay(self):
        delay, self._next = self._next, min(self._next * 2, self.cap)
        return delay

    def reset(self):
        self._next = self.first
