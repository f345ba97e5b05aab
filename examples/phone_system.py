"""A phone system simulator on city311's bus: files its calls with pika and prints the answers (docs/bus.md).

    python -m examples.phone_system [--amqp-uri URI] [--calls examples/phone_calls.yaml] [--timeout 60]

Each call becomes a ChannelServiceRequest or a ChannelInformationContact
published to the exchange `channels.events`, with the phone system's own
message id, a reply_to queue and publisher confirms. Then, as a line that
dropped before the answer came would, it sends its first service request
again with the same message id: intake answers with the same tracking id and
files nothing new. Exit status 0 when every message was answered in time.
"""
import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

import pika
import yaml
from pika.adapters.utils.connection_workflow import AMQPConnectorException
from pika.exceptions import AMQPConnectionError, ChannelClosedByBroker, NackError, UnroutableError

from examples.connection import DEFAULT_URI, connection_parameters

EXCHANGE = "channels.events"
ROUTING_KEYS = {"request": "request.submit.v1", "information": "information.log.v1"}
CALLS = Path(__file__).with_name("phone_calls.yaml")


class PhoneSystem:
    """One connection: publishes with confirms, takes the replies off its own exclusive queue."""

    def __init__(self, amqp_uri, channel_name="phone"):
        self.channel_name = channel_name
        self.connection = pika.BlockingConnection(connection_parameters(amqp_uri))
        self.channel = self.connection.channel()
        self.channel.exchange_declare(EXCHANGE, passive=True)  # the city owns it: only check it is there
        self.channel.confirm_delivery()
        self.reply_to = self.channel.queue_declare("", exclusive=True).method.queue
        self.replies = {}
        self.channel.basic_consume(self.reply_to, self._on_reply, auto_ack=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.connection.is_open:
            self.connection.close()

    def send(self, kind, body, message_id, correlation_id=None):
        """Publish one message (persistent, mandatory, confirmed); return the correlation id its reply will carry."""
        correlation_id = correlation_id or message_id
        self.channel.basic_publish(
            EXCHANGE, ROUTING_KEYS[kind], json.dumps({"channel": self.channel_name, **body}).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2, message_id=message_id,
                                 correlation_id=correlation_id, reply_to=self.reply_to, app_id="phone-system"),
            mandatory=True)
        return correlation_id

    def wait_for(self, correlation_ids, timeout):
        """Replies by correlation id, waiting at most `timeout` seconds for all of them."""
        deadline = time.monotonic() + timeout
        while not set(correlation_ids) <= set(self.replies) and time.monotonic() < deadline:
            self.connection.process_data_events(time_limit=min(1.0, max(0.0, deadline - time.monotonic())))
        return {cid: self.replies[cid] for cid in correlation_ids if cid in self.replies}

    def _on_reply(self, channel, method, properties, body):
        self.replies[properties.correlation_id] = json.loads(body)


def load_calls(path):
    """The calls of a phone_calls.yaml file: (kind, body) pairs."""
    calls = yaml.safe_load(Path(path).read_text())["calls"]
    return [(call.pop("kind"), call) for call in calls]


def describe(kind, body):
    if kind == "information":
        return f"question   {body.get('article_id') or body.get('topic')}"
    return f"request    {body['service_code']} at {body.get('address_string') or 'no location given'}"


def outcome(reply):
    if reply is None:
        return "no answer in time"
    if reply["status"] == "rejected":
        return "rejected: " + "; ".join(f"{e['code']} {e['description']}" for e in reply["errors"])
    if reply["service_request_id"]:
        return f"tracking id {reply['service_request_id']}"
    return f"contact {reply['contact_id']}"


def run(amqp_uri, calls, timeout, out=sys.stdout):
    """File every call, send the first request again, print what came back; True if all were answered."""
    run_id = uuid.uuid4().hex[:6]
    with PhoneSystem(amqp_uri) as phone:
        sent = []
        for number, (kind, body) in enumerate(calls, start=1):
            message_id = f"phone-{run_id}-{number:03d}"
            sent.append((message_id, phone.send(kind, body, message_id), kind, body))
        first_request = next((s for s in sent if s[2] == "request"), None)
        if first_request:
            sent.append((first_request[0], phone.send(first_request[2], first_request[3], first_request[0],
                                                      f"{first_request[0]}:again"), "again", None))
        replies = phone.wait_for([correlation for _, correlation, _, _ in sent], timeout)
    for message_id, correlation, kind, body in sent:
        what = "same message id sent again" if kind == "again" else describe(kind, body)
        print(f"{message_id}  {what:<52} → {outcome(replies.get(correlation))}", file=out)
    return len(replies) == len(sent)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m examples.phone_system", description=__doc__.split("\n")[0])
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", DEFAULT_URI))
    parser.add_argument("--calls", default=str(CALLS), help="a YAML file of calls (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for every answer")
    args = parser.parse_args(argv)
    try:
        answered = run(args.amqp_uri, load_calls(args.calls), args.timeout)
    except (AMQPConnectionError, AMQPConnectorException) as error:
        sys.exit(f"cannot reach the broker at {args.amqp_uri}: {error!r} (is `make run` running?)")
    except ChannelClosedByBroker as error:
        sys.exit(f"the broker refused: {error.reply_text} (is city311 running? `make run` declares {EXCHANGE})")
    except (UnroutableError, NackError) as error:
        sys.exit(f"the broker did not take a message ({type(error).__name__}): is intake running?")
    return 0 if answered else 1


if __name__ == "__main__":
    sys.exit(main())
