"""The machine's raw broker ceiling: a plain durable publish / consume loop on the same RabbitMQ.

Persistent messages the size of an event envelope, into a durable queue of each
kind the system uses (classic, and quorum like every event queue), published
without confirms and waiting for each confirm (as the outbox relay does), then
consumed with manual acks. The system's throughput reads as a ratio of these.
"""
import time
import uuid

import pika

from bench.connect import blocking_connection

BODY = b'{"event_type": "RequestCreated", "data": {"description": "' + b"x" * 900 + b'"}}'
PERSISTENT = pika.BasicProperties(delivery_mode=2, content_type="application/json")


def measure(amqp_uri, seconds=3.0):
    """{case: messages per second} for publish without/with confirms and consume, per queue type."""
    results = {}
    connection = blocking_connection(amqp_uri)
    try:
        for queue_type in ("classic", "quorum"):
            results.update(_one_queue_type(connection, queue_type, seconds))
    finally:
        connection.close()
    return results


def _one_queue_type(connection, queue_type, seconds):
    channel = connection.channel()
    queue = f"bench-ceiling-{queue_type}-{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue, durable=True, arguments={"x-queue-type": queue_type})
    try:
        plain = _publish_for(channel, queue, seconds)
        consumed = _consume_all(connection, queue)
        confirming = connection.channel()
        confirming.confirm_delivery()
        confirmed = _publish_for(confirming, queue, seconds)
        _consume_all(connection, queue)
        confirming.close()
    finally:
        channel.queue_delete(queue)
        channel.close()
    return {f"{queue_type}_publish_no_confirms": plain, f"{queue_type}_publish_each_confirmed": confirmed,
            f"{queue_type}_consume_manual_ack": consumed}


def _publish_for(channel, queue, seconds):
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for _ in range(50):
            channel.basic_publish("", queue, BODY, PERSISTENT)
        count += 50
    channel.connection.process_data_events(0)
    return round(count / (time.perf_counter() - started))


def _consume_all(connection, queue, prefetch=200):
    channel = connection.channel()
    channel.basic_qos(prefetch_count=prefetch)
    waiting = channel.queue_declare(queue, passive=True).method.message_count
    count, started = 0, time.perf_counter()
    for method, _, _ in channel.consume(queue, inactivity_timeout=5):
        if method is None:
            break
        count += 1
        if count % 50 == 0 or count == waiting:
            channel.basic_ack(method.delivery_tag, multiple=True)
        if count >= waiting:
            break
    elapsed = time.perf_counter() - started
    channel.cancel()
    channel.close()
    return round(count / elapsed) if elapsed else 0
