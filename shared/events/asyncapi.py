"""The AsyncAPI 3.0 document of every message on the bus, generated from the contracts so it cannot drift.

    python -m shared.events.asyncapi --output docs/asyncapi.yaml    (or to stdout without --output)

tests/contract/test_asyncapi.py fails when the committed file differs from what this writes.

Events come from CATALOG (in their envelope, on `<producer>.events`), the other
messages from MESSAGES, the metrics stream's from STREAM (metrics_stream.yaml); who consumes an event is read from the services'
reliable handlers themselves. Each message carries its catalog example.
"""
import argparse
import inspect
import json
import re
import sys
import uuid
from pathlib import Path

import yaml

from shared.events.catalog import CATALOG, MESSAGES
from shared.events.envelope import EnvelopeSchema
from shared.events.json_schema import schema_of

EXAMPLES = Path(__file__).resolve().parent / "examples"
STREAM = yaml.safe_load((Path(__file__).resolve().parent / "metrics_stream.yaml").read_text(encoding="utf-8"))
DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "asyncapi.yaml"
EXAMPLE_TIME = "2026-11-23T14:05:00+00:00"
AMQP_BINDING = "0.3.0"
_PARAMETERS = {"code": {"description": "a department code of the jurisdiction's departments.yaml",
                        "examples": ["PW-STREETS"]},
               "reply_to": {"description": "the reply_to property of the message answered"}}
INTRODUCTION = """\
Every message on the city311 bus (RabbitMQ, AMQP 0.9.1), generated from the marshmallow
contracts in shared/events by `python -m shared.events.asyncapi`: do not edit by hand.
Events travel in the envelope (event_id, event_type, schema_version, occurred_at,
correlation_id, producer, data) on the producer's topic exchange `<producer>.events`,
routing key = event type. Channel systems and department systems exchange plain JSON
messages with the city; docs/bus.md tells how to connect, resend and read replies.
The metrics stream (the RabbitMQ stream `metrics.stream`, on the default exchange) carries
the Metrics* messages, one schema per `kind`; services/metrics/STREAM.md tells how to attach."""


def document():
    """The whole document as plain data (dicts keep their order: the YAML is stable)."""
    doc = {"asyncapi": "3.0.0",
           "info": {"title": "city311 bus", "version": "1", "description": INTRODUCTION},
           "defaultContentType": "application/json",
           "servers": {"broker": {"host": "localhost:5672", "protocol": "amqp", "protocolVersion": "0.9.1",
                                  "description": "AMQP_URI (default amqp://guest:guest@localhost:5672/)"}},
           "channels": {}, "operations": {}, "components": {"messages": {}, "schemas": {}}}
    consumers = _service_consumers()
    for contract in sorted(CATALOG.values(), key=lambda c: (c.producer, c.event_type, c.version)):
        name = f"{contract.event_type}.v{contract.version}"
        example = _example(contract.event_type, contract.version)
        _add(doc, name, f"{contract.producer}.events", contract.event_type, contract.producer,
             consumers.get((f"{contract.producer}.events", contract.event_type), []),
             _event_schema(contract), contract.description, _envelope_example(contract, example), {})
    for message in sorted(MESSAGES.values(), key=lambda m: (m.exchange, m.name, m.version)):
        name = f"{message.name}.v{message.version}"
        served = consumers.get((message.exchange, message.routing_key)) or [
            (who, message.queue) for who in message.consumers]
        _add(doc, name, message.exchange, message.routing_key, message.producer, served,
             schema_of(message.schema), message.description, _example(message.name, message.version),
             message.properties)
    for kind, message in STREAM["kinds"].items():
        _add(doc, f"{message['name']}.v{STREAM['version']}", "", STREAM["queue"], STREAM["producer"],
             [(who, None) for who in STREAM["consumers"]], stream_schema(kind), message["summary"],
             _stream_example(kind), {})
    return doc


def stream_schema(kind):
    """The JSON Schema of one kind of metrics stream message: the envelope with that kind's data."""
    schema = json.loads(json.dumps(STREAM["envelope"]))          # a deep copy, free of YAML aliases
    schema["description"] = STREAM["kinds"][kind]["summary"]
    schema["properties"]["kind"] = {"const": kind}
    schema["properties"]["data"] = json.loads(json.dumps(STREAM["kinds"][kind]["data"]))
    return schema


def _stream_example(kind):
    cause = None if kind == "measures" else {
        "event_type": "RequestCreated" if kind == "request_fact" else "InformationRequestLogged",
        "event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"city311:stream-cause:{kind}")), "occurred_at": EXAMPLE_TIME}
    return {"schema": STREAM["envelope"]["properties"]["schema"]["const"], "schema_version": STREAM["version"],
            "kind": kind, "message_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"city311:stream:{kind}")),
            "emitted_at": EXAMPLE_TIME, "cause": cause, "data": STREAM["kinds"][kind]["example"]}


def _add(doc, title, exchange, routing_key, producer, consumers, schema, description, example, properties):
    name = _key(title)
    channel_id = _key(f"{exchange or 'default'}.{routing_key}")
    channel = doc["channels"].get(channel_id) or {  # one channel may carry several messages (the stream)
        "address": routing_key, "title": f"{exchange or '(default exchange)'} → {routing_key}", "messages": {},
        "bindings": {"amqp": {"is": "routingKey", "bindingVersion": AMQP_BINDING, "exchange": {
            "name": exchange, "type": "topic" if exchange else "direct", "durable": True,
            "autoDelete": False, "vhost": "/"}}}}
    channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}
    parameters = {p: _PARAMETERS[p] for p in re.findall(r"\{(\w+)\}", routing_key)}
    if parameters:
        channel["parameters"] = parameters
    doc["channels"][channel_id] = channel
    ref = {"$ref": f"#/channels/{channel_id}"}
    messages = [{"$ref": f"#/channels/{channel_id}/messages/{name}"}]
    doc["operations"][_key(f"{producer}.send.{name}")] = {
        "action": "send", "channel": ref, "title": f"Published by {producer}", "messages": messages}
    for who, queue in consumers:
        operation = {"action": "receive", "channel": ref, "title": f"Consumed by {who}", "messages": messages}
        if queue:
            operation["description"] = f"from the quorum queue `{queue}`"
        doc["operations"][_key(f"{who}.receive.{name}")] = operation
    message = {"name": title.rsplit(".", 1)[0], "title": title, "summary": description.split("\n")[0],
               "contentType": "application/json", "payload": {"$ref": f"#/components/schemas/{name}"},
               "examples": [{"name": "example", "payload": example}]}
    if properties:
        message["x-amqp-properties"] = properties
    doc["components"]["messages"][name] = message
    doc["components"]["schemas"][name] = schema


def _service_consumers():
    """{(exchange, routing key): [(service, its work queue)]} from every service's reliable handlers."""
    from shared.config import SERVICES
    from shared.messaging.declare import handlers_of, service_class
    from shared.messaging.topology import work_queue_name
    found = {}
    for service in SERVICES:
        for source, key, method in sorted(handlers_of(service_class(service))):
            queue = work_queue_name(source, key, service, method)
            found.setdefault((f"{source}.events", key), []).append((f"{service}.{method}", queue))
    return found


def _event_schema(contract):
    envelope = schema_of(EnvelopeSchema)
    envelope["description"] = inspect.cleandoc(contract.description or contract.event_type)
    envelope["properties"]["event_type"] = {"const": contract.event_type}
    envelope["properties"]["schema_version"] = {"const": contract.version}
    envelope["properties"]["producer"] = {"const": contract.producer}
    envelope["properties"]["data"] = schema_of(contract.schema)
    return envelope


def _example(name, version):
    return json.loads((EXAMPLES / f"{name}.v{version}.json").read_text())


def _envelope_example(contract, data):
    return {"event_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"city311:{contract.event_type}:{contract.version}")),
            "event_type": contract.event_type, "schema_version": contract.version, "occurred_at": EXAMPLE_TIME,
            "correlation_id": data.get("service_request_id") or data.get("contact_id") or "26-0000123",
            "producer": contract.producer, "data": data}


def _key(text):
    """A map key as the AsyncAPI schema allows: letters, digits, hyphens and underscores."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", text.replace("{", "").replace("}", "")).strip("_")


class _Dumper(yaml.SafeDumper):
    """Plain YAML for readers: no anchors, multi-line text as literal blocks."""

    def ignore_aliases(self, data):
        return True


def _text(dumper, value):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def render():
    """The document as YAML text."""
    return yaml.dump(document(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m shared.events.asyncapi", description=__doc__.split("\n")[0])
    parser.add_argument("--output", type=Path, help=f"write here (the committed one is {DOCUMENT.relative_to(DOCUMENT.parents[1])})")
    args = parser.parse_args(argv)
    if args.output:
        args.output.write_text(render())
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(render())


if __name__ == "__main__":
    main(sys.argv[1:])
