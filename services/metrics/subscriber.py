"""Follow the metrics stream: print its messages as JSON lines, or write them to a CSV file.

    python -m services.metrics.subscriber --from beginning|<ISO timestamp>|<offset> [--csv out.csv]

--from beginning   replay everything the stream still holds, then keep following
--from 2026-11-23T08:00:00+00:00   start at the chunk holding that moment (UTC if no offset given;
                   the broker attaches by chunk, so a few messages from just before may come too)
--from 1234        start at that stream offset (each printed message carries its `offset`)
--from next        only messages written from now on

Runs until Ctrl-C, or --idle-exit SECONDS without a message, or --limit N messages.
AMQP_URI and STREAM_QUEUE default to the metrics service's configuration.
"""
import argparse
import csv
import json
import socket
import sys
import time
from datetime import datetime, timezone

from kombu import Connection, Consumer, Queue

from services.metrics.models import InformationFact, RequestFact
from services.metrics.stream import SCHEMA_VERSION

ENVELOPE = ("offset", "kind", "schema_version", "message_id", "emitted_at", "cause_event_type")
NAMED_OFFSETS = {"beginning": "first", "first": "first", "last": "last", "next": "next", "now": "next"}


def offset_spec(text):
    """The x-stream-offset consumer argument for a --from value."""
    if text in NAMED_OFFSETS:
        return NAMED_OFFSETS[text]
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--from takes beginning, next, an offset or an ISO 8601 timestamp, not {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def csv_columns():
    """Envelope columns, then every fact column once, then the measures as one JSON column."""
    names = [c.name for table in (RequestFact.__table__, InformationFact.__table__) for c in table.columns]
    return [*ENVELOPE, *dict.fromkeys(names), "measures"]


def flatten(offset, body):
    """One CSV row for a stream message."""
    data = body.get("data") or {}
    row = {"offset": offset, "kind": body.get("kind"), "schema_version": body.get("schema_version"),
           "message_id": body.get("message_id"), "emitted_at": body.get("emitted_at"),
           "cause_event_type": (body.get("cause") or {}).get("event_type")}
    if body.get("kind") == "measures":
        return {**row, "measures": json.dumps(data)}
    return {**row, **data}


class Sink:
    """Where messages go: JSON lines on stdout, or rows of a CSV file (flushed as they come)."""

    def __init__(self, csv_path=None):
        self._file = open(csv_path, "w", newline="") if csv_path else None
        self._csv = csv.DictWriter(self._file, fieldnames=csv_columns(), extrasaction="ignore") if self._file else None
        if self._csv:
            self._csv.writeheader()
        self.count = 0

    def write(self, offset, body):
        self.count += 1
        if self._csv:
            self._csv.writerow(flatten(offset, body))
            self._file.flush()
        else:
            print(json.dumps({"offset": offset, **body}), flush=True)

    def close(self):
        if self._file:
            self._file.close()


def follow(uri, queue_name, start, sink, limit=None, idle_exit=None, prefetch=200):
    """Consume the stream from `start` into `sink` until the limit, the idle time or Ctrl-C."""
    state = {"last": time.monotonic(), "warned": False}

    def on_message(body, message):
        if sink.count < (limit or float("inf")):
            if isinstance(body, dict) and (body.get("schema_version") or 0) > SCHEMA_VERSION and not state["warned"]:
                print(f"note: messages of schema_version {body['schema_version']} are newer than this "
                      f"subscriber ({SCHEMA_VERSION}); unknown fields are passed through", file=sys.stderr)
                state["warned"] = True
            sink.write(int(message.headers["x-stream-offset"]), body)
        message.ack()  # streams need acks to keep the prefetch window moving
        state["last"] = time.monotonic()

    # Stream consumers need a prefetch (basic.qos) and manual acks. The consumer is never
    # cancelled: cancelling would reject the prefetched messages, which a stream refuses.
    with Connection(uri, connect_timeout=10) as connection:
        channel = connection.channel()
        channel.basic_qos(0, prefetch, False)
        queue = Queue(queue_name, channel=channel, no_declare=True, consumer_arguments={"x-stream-offset": start})
        Consumer(channel, [queue], callbacks=[on_message], accept=["json"], auto_declare=False).consume()
        while limit is None or sink.count < limit:
            try:
                connection.drain_events(timeout=0.5)
            except (socket.timeout, TimeoutError):
                if idle_exit is not None and time.monotonic() - state["last"] >= idle_exit:
                    break
    return sink.count


def main(argv=None):
    from shared.config import load_service_config
    settings = load_service_config("metrics")
    parser = argparse.ArgumentParser(prog="python -m services.metrics.subscriber", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="start", type=offset_spec, default="next", metavar="WHERE")
    parser.add_argument("--csv", metavar="PATH", help="write CSV rows to PATH instead of JSON lines on stdout")
    parser.add_argument("--limit", type=int, help="stop after this many messages")
    parser.add_argument("--idle-exit", type=float, metavar="SECONDS", help="stop after this long without a message")
    parser.add_argument("--amqp-uri", default=settings["AMQP_URI"])
    parser.add_argument("--queue", default=settings.get("STREAM_QUEUE", "metrics.stream"))
    args = parser.parse_args(argv)
    sink = Sink(args.csv)
    try:
        follow(args.amqp_uri, args.queue, args.start, sink, args.limit, args.idle_exit)
    except KeyboardInterrupt:
        pass
    finally:
        sink.close()
    print(f"{sink.count} messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
