"""Changing RETRY_DELAYS_SECONDS or DELIVERY_LIMIT on a live broker: the service starts and uses the new values."""
from kombu import Connection, Queue

from shared.messaging.topology import ServiceQueues
from tests.integration.messaging.conftest import DLQ, QUEUE, request_created
from tests.support.bus import event_exchange
from tests.support.waiting import wait_until


def queue_exists(uri, name):
    with Connection(uri) as connection:
        try:
            connection.channel().queue_declare(name, passive=True)
            return True
        except Exception:
            return False


def test_a_changed_retry_schedule_and_delivery_limit_start_and_the_new_delays_are_used(make_probe, vhost):
    probe = make_probe(RETRY_DELAYS_SECONDS=[0.2, 0.4], DELIVERY_LIMIT=20).start()
    probe.process.stop()
    probe.configure(RETRY_DELAYS_SECONDS=[0.3, 0.6, 0.9], DELIVERY_LIMIT=5)
    probe.start()
    event = request_created(1, "fail")
    probe.publish(event)
    [dead] = wait_until(lambda: probe.dead_letters(event), 30, what="the event retried, then dead-lettered")
    assert dead["attempts"] == 4          # the first try and the three retries of the new schedule
    assert all(queue_exists(vhost, f"msgprobe.retry.{delay}s") for delay in ("0.3", "0.6", "0.9"))


def declare_as_an_earlier_version_did(uri):
    """The work queue with the queue arguments of the version before: a broker-side delivery limit of 20."""
    with Connection(uri) as connection:
        Queue(QUEUE, exchange=event_exchange("intake"), routing_key="RequestCreated", durable=True,
              queue_arguments={"x-queue-type": "quorum", "x-delivery-limit": 20, "x-dead-letter-exchange": "",
                               "x-dead-letter-routing-key": DLQ, "x-dead-letter-strategy": "at-least-once",
                               "x-overflow": "reject-publish"})(connection.default_channel).declare()


def test_a_work_queue_declared_by_an_earlier_version_is_migrated_with_its_messages(make_probe, vhost):
    declare_as_an_earlier_version_did(vhost)
    probe = make_probe(DELIVERY_LIMIT=5)
    waiting = [request_created(n) for n in range(1, 4)]
    probe.publish(*waiting)               # queued before the new version starts
    probe.start()
    wait_until(lambda: all(probe.times_applied(e) == 1 for e in waiting), 30, what="the waiting events applied")
    assert not queue_exists(vhost, f"{QUEUE}.migrating")
    with Connection(vhost) as connection:  # the queue now has exactly the current arguments
        ServiceQueues("msgprobe", [0.2]).work_queue(QUEUE, "intake", "RequestCreated")(
            connection.default_channel).declare()
    later = request_created(4)
    probe.publish(later)
    wait_until(lambda: probe.times_applied(later) == 1, 30, what="a later event applied")


def test_a_migration_interrupted_after_its_messages_left_the_old_queue_finishes_at_the_next_start(
        make_probe, vhost):
    with Connection(vhost) as connection:  # as a process that died mid-migration left it: the old queue gone
        Queue(f"{QUEUE}.migrating", exchange=event_exchange("intake"), routing_key="RequestCreated", durable=True,
              queue_arguments={"x-queue-type": "quorum"})(connection.default_channel).declare()
    probe = make_probe()
    waiting = [request_created(n) for n in range(1, 3)]
    probe.publish(*waiting)
    probe.start()
    wait_until(lambda: all(probe.times_applied(e) == 1 for e in waiting), 30, what="the held events applied")
    assert not queue_exists(vhost, f"{QUEUE}.migrating")
