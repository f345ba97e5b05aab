"""A forward to a delay or dead-letter queue, and an operator's replay, never drop a message no queue takes."""
import json
import time

from kombu import Connection

from nameko import config

from shared.messaging.deadletters import replay
from shared.messaging.entrypoints import service_queues
from tests.integration.messaging.conftest import DLQ, QUEUE, request_created
from tests.support.bus import event_exchange
from tests.support.waiting import wait_until



def delete_queue(uri, name):
    with Connection(uri) as connection:
        connection.default_channel.queue_delete(name)


def test_a_retry_whose_delay_queue_was_deleted_keeps_the_message_until_the_queue_is_back(make_probe, vhost):
    probe = make_probe().start()
    with config.patch({"RETRY_DELAYS_SECONDS": [0.2, 0.4]}):   # the probe's schedule
        delete_queue(vhost, service_queues("msgprobe").retry_exchange(1).name)   # its queue has its name
    event = request_created(1, "fail")
    probe.publish(event)
    wait_until(lambda: probe.started(event), 15, what="the handler started")
    time.sleep(2)                         # the failed attempt's forward, tried and held (or, before, dropped)
    assert probe.dead_letters(event) == []
    probe.restart()                       # declares its delay queue again
    [dead] = wait_until(lambda: probe.dead_letters(event), 30, what="the event retried, then dead-lettered")
    assert dead["attempts"] == 3 and "ValueError: cannot apply 26-0000001" in dead["error"]


def test_a_dead_letter_whose_queue_was_deleted_stays_in_its_work_queue_until_the_queue_is_back(make_probe, vhost):
    probe = make_probe().start()
    delete_queue(vhost, DLQ)
    invalid = dict(request_created(1), data={"service_request_id": "26-0000001"})
    with Connection(vhost, transport_options={"confirm_publish": True}) as connection:
        connection.Producer().publish(json.dumps(invalid).encode(), exchange=event_exchange("intake"),
                                      routing_key="RequestCreated", content_type="application/json",
                                      content_encoding="utf-8", delivery_mode=2)
    time.sleep(2)                         # the dead-letter forward tried and held (or, before, dropped)
    probe.restart()
    [dead] = wait_until(lambda: probe.dead_letters(invalid), 30, what="the invalid event dead-lettered")
    assert "InvalidEvent" in dead["error"] and dead["queue"] == QUEUE


def test_a_replay_to_a_deleted_work_queue_keeps_the_dead_letter(make_probe, vhost):
    probe = make_probe().start()
    event = request_created(1, "fail")
    probe.publish(event)
    wait_until(lambda: probe.dead_letters(event), 30, what="the event dead-lettered")
    probe.process.stop()
    delete_queue(vhost, QUEUE)            # a renamed handler: nothing takes its messages now
    assert replay(DLQ, event["event_id"], vhost) == (0, 1)
    [kept] = probe.dead_letters(event)
    assert kept["queue"] == QUEUE and "ValueError" in kept["error"]
