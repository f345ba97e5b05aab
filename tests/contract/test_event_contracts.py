"""Every event in the catalog: its example is valid, and each way of breaking it is refused precisely."""
import copy
import json
from pathlib import Path

import pytest

from shared.events import CATALOG, InvalidEvent, new_event, parse_event

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "events" / "examples"
CONTRACTS = sorted(CATALOG.values(), key=lambda c: c.event_type)


def example(contract):
    return json.loads((EXAMPLES / f"{contract.event_type}.v{contract.version}.json").read_text())


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.event_type)
def test_example_is_valid_and_travels_in_an_envelope(contract):
    event = new_event(contract.event_type, example(contract), "26-0000123", contract.producer)
    assert parse_event(json.loads(json.dumps(event)), expected_type=contract.event_type) == event
    assert event["schema_version"] == contract.version


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.event_type)
def test_each_missing_required_field_is_named(contract):
    required = [name for name, f in contract.schema.fields.items() if f.required]
    assert required, "a contract with no required field accepts anything"
    for name in required:
        data = example(contract)
        del data[name]
        with pytest.raises(InvalidEvent) as caught:
            new_event(contract.event_type, data, "26-0000123", contract.producer)
        assert name in caught.value.errors["data"]


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.event_type)
def test_unknown_fields_are_refused(contract):
    data = dict(example(contract), surprise="x")
    with pytest.raises(InvalidEvent) as caught:
        new_event(contract.event_type, data, "26-0000123", contract.producer)
    assert "surprise" in caught.value.errors["data"]


def _valid_envelope():
    contract = CATALOG[("RequestRouted", 1)]
    return new_event("RequestRouted", example(contract), "26-0000123", "routing")


@pytest.mark.parametrize("breakage, field", [
    (lambda e: e.pop("event_id"), "event_id"),
    (lambda e: e.update(event_id="not-a-uuid"), "event_id"),
    (lambda e: e.update(occurred_at="2026-11-23T10:00:00"), "occurred_at"),   # naive time
    (lambda e: e.update(schema_version="1"), "schema_version"),
    (lambda e: e.update(schema_version=99), "event_type"),
    (lambda e: e.update(event_type="NoSuchEvent"), "event_type"),
    (lambda e: e.pop("correlation_id"), "correlation_id"),
    (lambda e: e["data"].update(priority="whenever"), "data"),
    (lambda e: e["data"].update(due_at="tomorrow"), "data"),
    (lambda e: e["data"].update(lat=123.0), "data"),
])
def test_broken_envelopes_are_refused_with_the_field_named(breakage, field):
    event = copy.deepcopy(_valid_envelope())
    breakage(event)
    with pytest.raises(InvalidEvent) as caught:
        parse_event(event)
    assert field in caught.value.errors


def test_wrong_type_for_the_queue_is_refused():
    with pytest.raises(InvalidEvent) as caught:
        parse_event(_valid_envelope(), expected_type="RequestCreated")
    assert "expected RequestCreated" in str(caught.value)


@pytest.mark.parametrize("payload", [None, [], "text", 42])
def test_non_objects_are_refused(payload):
    with pytest.raises(InvalidEvent):
        parse_event(payload)


def test_personal_data_only_in_the_contact_event():
    personal = {"email", "phone", "first_name", "last_name"}
    carriers = {c.event_type for c in CONTRACTS if personal & set(c.schema.fields)}
    assert carriers == {"ReporterContactRecorded"}
