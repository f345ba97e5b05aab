"""Connection faults between a consumer and the broker: a reset under an ack, reconnects, and crash loops."""
import pytest

from tests.integration.messaging.conftest import request_created
from tests.support.waiting import wait_until


def settled(probe):
    """Nothing left in the work queue, and the consumer attached again."""
    return probe.queue() == (0, 1)


def test_a_connection_reset_while_an_event_is_handled_leaves_the_service_running_and_the_event_handled_once(
        make_probe, proxy, vhost):
    probe = make_probe(amqp_uri=proxy.through(vhost)).start()
    event = request_created(1, "block")   # the process notices nothing until the handler returns...
    probe.publish(event)
    wait_until(lambda: probe.started(event), 15, what="the handler started")
    proxy.cut()
    probe.release()                       # ...and the worker commits, then acks on the reset connection
    wait_until(lambda: probe.times_applied(event) == 1, 30, what="the event applied")
    wait_until(lambda: settled(probe) or not probe.alive(), 30, what="the redelivered copy settled")
    assert probe.alive(), probe.process.tail()
    assert settled(probe)
    assert probe.times_applied(event) == 1
    assert probe.dead_letters() == []


def test_reconnects_do_not_dead_letter_a_message_that_waits_in_the_prefetch(make_probe, proxy, vhost):
    # One worker: the second event waits in the prefetch behind the held one and never starts.
    probe = make_probe(amqp_uri=proxy.through(vhost), DELIVERY_LIMIT=2, max_workers=1).start()
    held, waiting = request_created(1, "hold"), request_created(2)
    probe.publish(held, waiting)
    wait_until(lambda: probe.started(held), 15, what="the held event started")
    for reconnect in range(5):            # more reconnects than the delivery limit
        connections = proxy.connections_accepted
        proxy.cut()
        wait_until(lambda: proxy.connections_accepted > connections and probe.queue()[1] == 1, 30,
                   what=f"the consumer reconnected ({reconnect + 1})")
    assert not probe.started(waiting)
    probe.release()
    wait_until(lambda: probe.times_applied(waiting) == 1, 30, what="the waiting event applied")
    wait_until(lambda: settled(probe), 30, what="every copy settled")
    assert probe.times_applied(held) == 1 and probe.times_applied(waiting) == 1
    assert probe.dead_letters() == []
    assert probe.alive(), probe.process.tail()


def test_an_event_that_kills_its_worker_again_and_again_is_dead_lettered_with_that_reason(make_probe):
    probe = make_probe(DELIVERY_LIMIT=2).start()
    fatal, healthy = request_created(1, "crash"), request_created(2)
    probe.publish(fatal)
    restarts = 0

    def dead_lettered_or_restarted():
        nonlocal restarts
        if probe.dead_letters(fatal):
            return True
        if not probe.alive():
            restarts += 1
            assert restarts <= 6, f"still crashing after {restarts} restarts:\n{probe.process.tail()}"
            probe.start(wait=False)
        return False

    wait_until(dead_lettered_or_restarted, 120, 0.2, what="the fatal event dead-lettered")
    [dead] = probe.dead_letters(fatal)
    assert "CrashLoop: crashed its worker 2 times" in dead["error"]
    assert dead["queue"] == "evt-intake-RequestCreated--msgprobe.on_created"
    probe.process.wait_healthy()
    probe.publish(healthy)                # and the service goes on with the next events
    wait_until(lambda: probe.times_applied(healthy) == 1, 30, what="the next event applied")
    assert probe.alive()


@pytest.fixture(autouse=True)
def _quiet_eventlet(monkeypatch):
    monkeypatch.setenv("PYTHONWARNINGS", "ignore")
