"""Operators' view of dead letters: list them with their reasons, replay them to their queue.

    python -m shared.messaging.deadletters list   [--queue NAME.dlq]
    python -m shared.messaging.deadletters replay --queue NAME.dlq [--event-id ID]
"""
import argparse
import json
import sys

from kombu import Connection

from shared.messaging.broker import amqp_uri


def fetch(connection, queue_name, limit=10_000):
    """Take up to `limit` messages off a dead-letter queue, unacked (closing the channel returns them)."""
    channel = connection.channel()
    messages = []
    while len(messages) < limit:
        message = channel.basic_get(queue_name, no_ack=False)
        if message is None:
            break
        messages.append(message)
    return channel, messages


def describe(message):
    headers = message.headers or {}
    try:
        body = json.loads(message.body)
    except (ValueError, TypeError):
        body = None
    return {
        "event_id": body.get("event_id") if isinstance(body, dict) else None,
        "event_type": body.get("event_type") if isinstance(body, dict) else None,
        "error": headers.get("x-city311-error"),
        "attempts": headers.get("x-city311-attempts"),
        "queue": headers.get("x-city311-queue"),
        "original_exchange": headers.get("x-city311-original-exchange"),
        "original_routing_key": headers.get("x-city311-original-routing-key"),
        "failed_at": headers.get("x-city311-failed-at"),
    }


def list_dead_letters(queue_name, uri=None):
    """Describe every message in a dead-letter queue, leaving them there."""
    with Connection(uri or amqp_uri()) as connection:
        channel, messages = fetch(connection, queue_name)
        described = [describe(m) for m in messages]
        channel.close()
    return described


def replay(queue_name, event_id=None, uri=None):
    """Send dead letters (all, or one event) back to the work queue they failed in, with a fresh attempt count."""
    replayed = 0
    with Connection(uri or amqp_uri(), transport_options={"confirm_publish": True}) as connection:
        channel, messages = fetch(connection, queue_name)
        producer = connection.Producer()
        for message in messages:
            info = describe(message)
            if event_id and info["event_id"] != event_id:
                continue
            headers = {k: v for k, v in (message.headers or {}).items()
                       if k.startswith("x-city311-original")}
            producer.publish(message.body, exchange="", routing_key=info["queue"], headers=headers,
                             content_type=message.content_type, content_encoding=message.content_encoding,
                             delivery_mode=2)
            channel.basic_ack(message.delivery_tag)
            replayed += 1
        channel.close()
    return replayed


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m shared.messaging.deadletters")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("--queue", required=True, help="the dead-letter queue, e.g. evt-...--routing.route_request.dlq")
    parser.add_argument("--event-id")
    args = parser.parse_args(argv)
    if args.action == "list":
        print(json.dumps(list_dead_letters(args.queue), indent=2))
    else:
        print(f"replayed {replay(args.queue, args.event_id)} message(s)")


if __name__ == "__main__":
    main(sys.argv[1:])
