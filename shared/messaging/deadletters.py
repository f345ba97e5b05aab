"""Operators' view of dead letters: list them with their reasons, replay them to their queue.

Each consuming service has one dead-letter queue, `<service>.dlq`.

    python -m shared.messaging.deadletters list   [--service routing]
    python -m shared.messaging.deadletters replay --service routing [--event-id ID]
"""
import argparse
import json
import sys

from amqp.exceptions import ChannelError
from kombu import Connection

from shared.config import SERVICES
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
        "queue": headers.get("x-city311-queue") or _death_queue(headers),
        "original_exchange": headers.get("x-city311-original-exchange"),
        "original_routing_key": headers.get("x-city311-original-routing-key"),
        "failed_at": headers.get("x-city311-failed-at"),
    }


def _death_queue(headers):
    """Dead-lettered by the broker itself (delivery limit): the queue is in x-death."""
    deaths = headers.get("x-death") or []
    return deaths[0].get("queue") if deaths else None


def list_dead_letters(queue_name, uri=None):
    """Describe every message in a dead-letter queue, leaving them there."""
    with Connection(uri or amqp_uri()) as connection:
        channel, messages = fetch(connection, queue_name)
        described = [describe(m) for m in messages]
        channel.close()
    return described


def replay(queue_name, event_id=None, uri=None):
    """Send dead letters (all, or one event) back to the work queue they failed in, with a fresh attempt count.

    Each copy is published mandatory and confirmed before its dead letter is acked: a dead letter whose
    work queue is gone (a renamed handler, a deleted queue) stays where it is. Returns (replayed, kept).
    """
    replayed, kept = 0, []
    with Connection(uri or amqp_uri(), transport_options={"confirm_publish": True}) as connection:
        channel, messages = fetch(connection, queue_name)
        for message in messages:
            info = describe(message)
            if event_id and info["event_id"] != event_id:
                continue
            try:
                _republish(connection, message, info["queue"])
            except ChannelError as exc:   # returned unroutable, or the broker refused it
                kept.append(info)
                print(f"kept {info['event_id'] or 'a message'} in {queue_name}: cannot deliver to "
                      f"{info['queue']}: {exc}", file=sys.stderr)
                continue
            channel.basic_ack(message.delivery_tag)
            replayed += 1
        channel.close()
    return replayed, len(kept)


def _republish(connection, message, queue):
    """Publish a copy to `queue` on a channel of its own (a returned message leaves its confirm behind)."""
    with connection.channel() as channel:
        headers = {k: v for k, v in (message.headers or {}).items() if k.startswith("x-city311-original")}
        connection.Producer(channel).publish(
            message.body, exchange="", routing_key=queue, headers=headers, mandatory=True, retry=False,
            content_type=message.content_type, content_encoding=message.content_encoding, delivery_mode=2)


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m shared.messaging.deadletters")
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("--service", choices=SERVICES, help="whose dead letters (default: every service's)")
    parser.add_argument("--event-id", help="replay only this event")
    args = parser.parse_args(argv)
    services = [args.service] if args.service else list(SERVICES)
    if args.action == "list":
        print(json.dumps({s: list_dead_letters(f"{s}.dlq") for s in services}, indent=2))
    elif not args.service:
        parser.error("replay needs --service")
    else:
        replayed, kept = replay(f"{args.service}.dlq", args.event_id)
        print(f"replayed {replayed} message(s)" + (f", kept {kept} that no queue would take" if kept else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
