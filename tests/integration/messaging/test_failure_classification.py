"""Which failures spend an event's retry budget: the handler's own, never an outage of the database or broker."""
import amqp.exceptions
import pytest
from sqlalchemy import exc as sa_exc

from shared.messaging.failures import CappedBackoff, is_infrastructure_error


def _raised_from(cause, wrapper):
    try:
        try:
            raise cause
        except Exception:
            raise wrapper
    except Exception as exc:
        return exc


@pytest.mark.parametrize("outage", [
    sa_exc.OperationalError("SELECT 1", {}, Exception("connection refused")),
    sa_exc.InterfaceError("SELECT 1", {}, Exception("connection already closed")),
    sa_exc.DisconnectionError("server closed the connection"),
    sa_exc.TimeoutError("QueuePool limit of size 10 overflow 10 reached"),
    sa_exc.DBAPIError("SELECT 1", {}, Exception("terminating connection"), connection_invalidated=True),
    amqp.exceptions.ChannelError("channel closed"),
    amqp.exceptions.ConnectionForced("broker shutting down"),
])
def test_an_outage_of_the_database_or_the_broker_is_infrastructure(outage):
    assert is_infrastructure_error(outage)
    assert is_infrastructure_error(_raised_from(outage, RuntimeError("while applying the event")))


@pytest.mark.parametrize("own_failure", [
    ValueError("bad data"), LookupError("no such request"), KeyError("department"),
    sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key")), ConnectionRefusedError("legacy system down"),
])
def test_a_handlers_own_failure_is_not_infrastructure(own_failure):
    assert not is_infrastructure_error(own_failure)


def test_the_backoff_doubles_to_its_cap_and_starts_over_after_a_success():
    backoff = CappedBackoff(first=0.5, cap=3)
    assert [backoff.next_delay() for _ in range(5)] == [0.5, 1, 2, 3, 3]
    backoff.reset()
    assert backoff.next_delay() == 0.5
