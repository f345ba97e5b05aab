"""Operators' view of dead letters: list them with their reasons, show one, replay them to their queue,
or discard one with a recorded reason.

Each consuming service has one dead-letter queue, `<service>.dlq`. A dead letter is named by its
event id, or (a message that is not an event) by `sha256:` and the start of its body's digest.
A discarded dead letter is kept, with who discarded it, when and why, in the queue
`deadletters.discarded` (the newest DISCARD_RECORDS_KEPT; `discarded` lists them).

    python -m shared.messaging.deadletters list    [--service routing]
    python -m shared.messaging.deadletters show    --service routing --id ID
    python -m shared.messaging.deadletters replay  --service routing [--event-id ID]
    python -m shared.messaging.deadletters discard --service routing --id ID --reason "why" [--by NAME]
    python -m shared.messaging.deadletters discarded
"""
import argparse
import getpass
import hashlib
import json
import sys
from datetime import datetime, timezone

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
    """What an operator needs to judge a dead letter, without the payload's values (they may be personal)."""
    headers = message.headers or {}
    body = _json(message.body)
    event_id = body.get("event_id") if isinstance(body, dict) else None
    return {
        "id": str(event_id) if event_id else body_digest(message.body),
        "event_id": event_id,
        "event_type": body.get("event_type") if isinstance(body, dict) else None,
        "error": headers.get("x-city311-error"),
        "attempts": headers.get("x-city311-attempts"),
        "queue": headers.get("x-city311-queue") or _death_queue(headers),
        "original_exchange": headers.get("x-city311-original-exchange"),
        "original_routing_key": headers.get("x-city311-original-routing-key"),
        "failed_at": headers.get("x-city311-failed-at"),
        "summary": summary(body, message.body),
    }


def summary(body, raw):
    """The payload's shape: envelope fields that are not personal, and the names (not values) of its data."""
    if not isinstance(body, dict):
        return {"bytes": len(raw or b""), "json": False}
    data = body.get("data")
    return {"bytes": len(raw or b""), "json": True, "producer": body.get("producer"),
            "correlation_id": body.get("correlation_id"), "occurred_at": body.get("occurred_at"),
            "data_fields": sorted(data) if isinstance(data, dict) else None}


def body_digest(raw):
    raw = raw if isinstance(raw, bytes) else str(raw or "").encode()
    return "sha256:" + hashlib.sha256(raw).hexdigest()[:16]


def _json(raw):
    try:
        return json.loads(raw)
    except (ValueError, TypeError):
        return None


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
    """Send dead letters (all, or the one named `event_id`: its event id or body digest) back to the work queue
    they failed in, with a fresh attempt count.

    Each copy is published mandatory and confirmed before its dead letter is acked: a dead letter whose
    work queue is gone (a renamed handler, a deleted queue) stays where it is. Returns (replayed, kept).
    """
    replayed, kept = 0, []
    with Connection(uri or amqp_uri(), transport_options={"confirm_publish": True}) as connection:
        channel, messages = fetch(connection, queue_name)
        for message in messages:
            info = describe(message)
            if event_id and event_id not in (info["event_id"], info["id"]):
                continue
            try:
                _republish(connection, message, info["queue"])
            except ChannelError as exc:   # returned unroutable, or the broker refused it
                kept.append(info)
                print(f"kept {info['id']} in {queue_name}: cannot deliver to {info['queue']}: {exc}",
                      file=sys.stderr)
                continue
            channel.basic_ack(message.delivery_tag)
            replayed += 1
        channel.close()
    return replayed, len(kept)


class NoSuchDeadLetter(LookupError):
    """No dead letter of that id in the queue (replayed or discarded meanwhile, or a typo)."""


def show(queue_name, letter_id, uri=None):
    """One dead letter in full: its description, every header and the whole payload (an operator's tool:
    the payload may hold personal data, so it is not shown on the console)."""
    with Connection(uri or amqp_uri()) as connection:
        channel, messages = fetch(connection, queue_name)
        found = _find(messages, letter_id, queue_name)
        shown = {**describe(found), "headers": _plain(found.headers or {}),
                 "payload": _json(found.body) or found.body.decode("utf-8", errors="replace")}
        channel.close()
    return shown


def discard(queue_name, letter_id, reason, by, uri=None):
    """Remove one dead letter for good, keeping it with who, when and why in `deadletters.discarded`.

    The record is confirmed by the broker before the dead letter is acked: a failure leaves it in place.
    Returns the record's description. ValueError without a reason.
    """
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        raise ValueError("say why it is discarded (1-500 characters): the reason is kept with it")
    with Connection(uri or amqp_uri(), transport_options={"confirm_publish": True}) as connection:
        channel, messages = fetch(connection, queue_name)
        found = _find(messages, letter_id, queue_name)
        record = {"x-city311-discarded-by": str(by), "x-city311-discarded-reason": reason,
                  "x-city311-discarded-at": datetime.now(timezone.utc).isoformat(),
                  "x-city311-dead-letter-queue": queue_name}
        with connection.channel() as keeping:
            _declare_discarded(keeping)
            connection.Producer(keeping).publish(
                found.body, exchange="", routing_key=DISCARDED_QUEUE, headers={**(found.headers or {}), **record},
                mandatory=True, retry=False, content_type=found.content_type,
                content_encoding=found.content_encoding, delivery_mode=2)
        channel.basic_ack(found.delivery_tag)
        channel.close()
    return {**describe(found), **_discard_fields(record)}


def discarded(uri=None):
    """The kept records of discarded dead letters, oldest first."""
    with Connection(uri or amqp_uri()) as connection:
        with connection.channel() as declaring:
            _declare_discarded(declaring)
        channel, messages = fetch(connection, DISCARDED_QUEUE)
        records = [{**describe(m), **_discard_fields(m.headers or {})} for m in messages]
        channel.close()
    return records


DISCARDED_QUEUE = "deadletters.discarded"
DISCARD_RECORDS_KEPT = 100_000


def _declare_discarded(channel):
    channel.queue_declare(DISCARDED_QUEUE, durable=True, auto_delete=False, arguments={
        "x-queue-type": "quorum", "x-max-length": DISCARD_RECORDS_KEPT, "x-overflow": "drop-head"})


def _discard_fields(headers):
    return {"discarded_by": headers.get("x-city311-discarded-by"),
            "discarded_at": headers.get("x-city311-discarded-at"),
            "discard_reason": headers.get("x-city311-discarded-reason"),
            "dead_letter_queue": headers.get("x-city311-dead-letter-queue")}


def _find(messages, letter_id, queue_name):
    for message in messages:
        info = describe(message)
        if letter_id in (info["id"], info["event_id"]):
            return message
    raise NoSuchDeadLetter(f"no dead letter {letter_id} in {queue_name} (replayed or discarded already?)")


def _plain(value):
    """Headers as JSON can show them (x-death holds datetimes and bytes)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _republish(connection, message, queue):
    """Publish a copy to `queue` on a channel of its own (a returned message leaves its confirm behind)."""
    with connection.channel() as channel:
        headers = {k: v for k, v in (message.headers or {}).items() if k.startswith("x-city311-original")}
        connection.Producer(channel).publish(
            message.body, exchange="", routing_key=queue, headers=headers, mandatory=True, retry=False,
            content_type=message.content_type, content_encoding=message.content_encoding, delivery_mode=2)


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m shared.messaging.deadletters", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="describe every dead letter (no payload values)")
    listing.add_argument("--service", choices=SERVICES, help="whose dead letters (default: every service's)")
    showing = actions.add_parser("show", help="one dead letter in full: headers and payload")
    replaying = actions.add_parser("replay", help="send dead letters back to the queue they failed in")
    replaying.add_argument("--event-id", help="replay only this dead letter (its event id, or id from list)")
    discarding = actions.add_parser("discard", help="remove one dead letter, keeping it with who, when and why")
    for sub in (showing, replaying, discarding):
        sub.add_argument("--service", choices=SERVICES, required=True, help="whose dead-letter queue")
    for sub in (showing, discarding):
        sub.add_argument("--id", required=True, help="the dead letter: its event id, or id from list")
    discarding.add_argument("--reason", required=True, help="why it is discarded (kept with the record)")
    discarding.add_argument("--by", default=getpass.getuser(), help="who discards it (default: your login)")
    actions.add_parser("discarded", help="the records of discarded dead letters")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (NoSuchDeadLetter, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args):
    if args.action == "list":
        services = [args.service] if args.service else list(SERVICES)
        print(json.dumps({s: list_dead_letters(f"{s}.dlq") for s in services}, indent=2))
    elif args.action == "show":
        print(json.dumps(show(f"{args.service}.dlq", args.id), indent=2, default=str))
    elif args.action == "replay":
        replayed, kept = replay(f"{args.service}.dlq", args.event_id)
        print(f"replayed {replayed} message(s)" + (f", kept {kept} that no queue would take" if kept else ""))
    elif args.action == "discard":
        record = discard(f"{args.service}.dlq", args.id, args.reason, args.by)
        print(f"discarded {record['id']} by {record['discarded_by']} at {record['discarded_at']}: "
              f"{record['discard_reason']}")
    else:
        print(json.dumps(discarded(), indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
