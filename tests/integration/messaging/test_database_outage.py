"""A database outage pauses consumption: events handled meanwhile keep their retry budget and apply afterwards."""
import pytest

from tests.integration.messaging import postgres_server
from tests.integration.messaging.conftest import request_created
from tests.support.waiting import wait_until

pytestmark = pytest.mark.skipif(not postgres_server.available(), reason="no PostgreSQL server binaries here")
HELD = "infrastructure unavailable"


@pytest.fixture
def database():
    with postgres_server.PostgresServer() as server:
        yield server


def test_an_event_handled_while_the_database_is_down_is_not_dead_lettered_and_applies_once_it_is_back(
        make_probe, database):
    probe = make_probe(database_url=database.url, OUTAGE_BACKOFF_MAX_SECONDS=1).start()
    before = request_created(1)
    probe.publish(before)
    wait_until(lambda: probe.times_applied(before) == 1, 30, what="an event applied before the outage")

    database.stop()
    during = request_created(2)
    probe.publish(during)
    # Long enough for the whole retry budget (0.2 + 0.4 s) to be spent several times over.
    wait_until(lambda: probe.dead_letters(during) or probe.log().count(HELD) >= 5, 60,
               what="the event dead-lettered, or held through the outage")
    assert probe.dead_letters(during) == []

    database.start()
    wait_until(lambda: probe.times_applied(during) == 1, 60, what="the event applied once the database is back")
    assert probe.dead_letters() == []
    assert probe.alive(), probe.process.tail()
