"""docs/asyncapi.yaml: regenerated from the contracts it matches the committed file, and it is valid AsyncAPI 3.0.

The document is checked three ways: by the asyncapi3 object model (the
AsyncAPI 3.0 specification as pydantic models), by resolving every $ref in it,
and by validating every message's example against the JSON Schema it
publishes for that message (so a schema generated wrongly from marshmallow
shows up here, not in a department's integration).
"""
import copy

import jsonschema_rs
import pytest
import yaml
from asyncapi3 import AsyncAPI3
from pydantic import ValidationError

from shared.events.asyncapi import DOCUMENT, STREAM, document, render
from shared.events.catalog import CATALOG, MESSAGES

REGENERATE = "python -m shared.events.asyncapi --output docs/asyncapi.yaml"


@pytest.fixture(scope="module")
def generated():
    return document()


def test_the_committed_document_is_the_generated_one():
    assert DOCUMENT.is_file(), f"docs/asyncapi.yaml is missing: run {REGENERATE}"
    assert DOCUMENT.read_text() == render(), f"docs/asyncapi.yaml is out of date with the contracts: run {REGENERATE}"


def test_the_document_is_valid_asyncapi_3(generated):
    AsyncAPI3.model_validate(generated)


@pytest.mark.parametrize("breakage", [
    lambda doc: doc.pop("info"),
    lambda doc: next(iter(doc["operations"].values())).update(action="publish"),  # AsyncAPI 2 wording
    lambda doc: doc["components"]["messages"].update({"Bad.Key!": {"payload": {"type": "object"}}}),
], ids=["no-info", "v2-action", "bad-key"])
def test_the_validator_refuses_a_broken_document(generated, breakage):
    broken = copy.deepcopy(generated)
    breakage(broken)
    with pytest.raises(ValidationError):
        AsyncAPI3.model_validate(broken)


def test_every_reference_resolves(generated):
    references = list(_refs(generated))
    assert references
    for ref in references:
        assert _resolve(generated, ref) is not None, f"{ref} points nowhere"


def test_every_event_and_message_is_documented(generated):
    titles = {m["title"] for m in generated["components"]["messages"].values()}
    expected = {f"{t}.v{v}" for t, v in CATALOG} | {f"{n}.v{v}" for n, v in MESSAGES} | {
        f"{m['name']}.v{STREAM['version']}" for m in STREAM["kinds"].values()}
    assert titles == expected


def test_every_message_says_who_sends_it_and_who_takes_it(generated):
    for name in generated["components"]["messages"]:
        actions = {op["action"] for op in generated["operations"].values()
                   if any(m["$ref"].endswith(f"/messages/{name}") for m in op["messages"])}
        assert actions == {"send", "receive"}, f"{name}: {actions}"


@pytest.mark.parametrize("name", sorted(document()["components"]["messages"]))
def test_each_example_matches_its_published_schema(generated, name):
    message = generated["components"]["messages"][name]
    validator = jsonschema_rs.Draft7Validator(_resolve(generated, message["payload"]["$ref"]))
    example = message["examples"][0]["payload"]
    errors = [error.message for error in validator.iter_errors(example)]
    assert not errors, f"{name}'s example breaks its own schema: {errors}"


@pytest.mark.parametrize("name", ["RequestRouted_v1", "ChannelServiceRequest_v1", "DepartmentStatusReport_v1"])
def test_a_published_schema_refuses_what_the_contract_refuses(generated, name):
    """Each required field missing, and an unknown field, break the schema (in the envelope's data for events)."""
    message = generated["components"]["messages"][name]
    validator = jsonschema_rs.Draft7Validator(_resolve(generated, message["payload"]["$ref"]))
    example = message["examples"][0]["payload"]
    body_of = (lambda m: m["data"]) if "event_id" in example else (lambda m: m)
    contract = CATALOG.get((message["name"], 1)) or MESSAGES[(message["name"], 1)]
    required = [name for name, field in contract.schema.fields.items() if field.required]
    assert required
    for field in required:
        broken = copy.deepcopy(example)
        body_of(broken).pop(field)
        assert not validator.is_valid(broken), f"{name} without {field} passes its schema"
    surprising = copy.deepcopy(example)
    body_of(surprising)["surprise"] = 1
    assert not validator.is_valid(surprising)


def test_the_yaml_reads_back_as_the_document(generated):
    assert yaml.safe_load(render()) == generated


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(doc, ref):
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
