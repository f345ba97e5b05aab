"""The relay publishes through a list of broker nodes: a node that is down is passed over, with heartbeats on."""
import time
from urllib.parse import urlparse

from shared.messaging.confirms import ConfirmedPublisher
from tests.support.processes import free_port


def _down_then(uri):
    """AMQP_URI listing a node nobody serves (a port nothing listens on) first, then the real one."""
    parsed = urlparse(uri)
    down = parsed._replace(netloc=f"{parsed.username}:{parsed.password}@127.0.0.1:{free_port()}").geturl()
    return f"{down};{uri}", f"{parsed.hostname}:{parsed.port or 5672}"


def test_with_the_first_node_down_the_relay_delivers_through_the_second(intake_outbox, amqp_uri, bound_queue):
    queue = bound_queue("RequestCreated")
    nodes, live = _down_then(amqp_uri)
    relay = intake_outbox.relay(nodes)
    first = intake_outbox.record("RequestCreated", "26-0000001")
    second = intake_outbox.record("RequestCreated", "26-0000002")

    assert relay.relay_batch() == 2

    assert sorted(queue.drain()) == [("RequestCreated", "26-0000001"), ("RequestCreated", "26-0000002")]
    assert intake_outbox.row(first).published_at is not None
    assert intake_outbox.row(second).published_at is not None
    assert relay._publisher.node.replace("localhost", "127.0.0.1") == live.replace("localhost", "127.0.0.1")


def test_the_relays_connection_carries_heartbeats_of_the_services_setting(amqp_uri):
    publisher = ConfirmedPublisher(amqp_uri)      # no HEARTBEAT configured: nameko's default, as its consumers
    try:
        assert publisher.publish([("", "nobody-binds-this", b"{}", "m-1")])[0] is not None   # returned, unroutable
        negotiated = publisher._connection.connection.heartbeat
        assert negotiated == 60, "the broker agreed on the relay's heartbeat interval"
    finally:
        publisher.close()


def test_a_connection_idle_past_its_heartbeat_interval_is_opened_afresh_and_publishes(amqp_uri):
    publisher = ConfirmedPublisher(amqp_uri, heartbeat=1)
    try:
        publisher.publish([("", "nobody-binds-this", b"{}", "m-1")])
        before = publisher._connection
        time.sleep(1.2)     # idle past one interval: the broker may have closed it for silence
        outcome = publisher.publish([("", "nobody-binds-this", b"{}", "m-2")])
        assert str(outcome[0]).startswith("no queue is bound"), outcome   # the broker answered, on a new one
        assert publisher._connection is not before
    finally:
        publisher.close()


def test_a_connection_in_use_within_its_interval_is_kept(amqp_uri):
    publisher = ConfirmedPublisher(amqp_uri, heartbeat=30)
    try:
        publisher.publish([("", "nobody-binds-this", b"{}", "m-1")])
        before = publisher._connection
        publisher.publish([("", "nobody-binds-this", b"{}", "m-2")])
        assert publisher._connection is before
    finally:
        publisher.close()


def test_with_every_node_down_no_event_counts_as_published():
    nodes = ";".join(f"amqp://guest:guest@127.0.0.1:{free_port()}/" for _ in range(2))
    publisher = ConfirmedPublisher(nodes, connect_timeout=2)
    outcomes = publisher.publish([("", "q", b"{}", "m-1"), ("", "q", b"{}", "m-2")])
    assert [type(o).__name__ for o in outcomes] == ["Unconfirmed", "Unconfirmed"], outcomes
    assert publisher.node is None
