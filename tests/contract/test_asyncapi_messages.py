"""The bus's non-event messages (channels, departments): each example is valid, each way of breaking it is named."""
import json
from pathlib import Path

import pytest

from shared.events.catalog import MESSAGES

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "events" / "examples"
CONTRACTS = sorted(MESSAGES.values(), key=lambda m: m.name)


def example(contract):
    return json.loads((EXAMPLES / f"{contract.name}.v{contract.version}.json").read_text())


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_example_is_valid(contract):
    assert contract.schema.validate(example(contract)) == {}


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_each_missing_required_field_is_named(contract):
    required = [name for name, field in contract.schema.fields.items() if field.required]
    assert required, "a contract with no required field accepts anything"
    for name in required:
        body = example(contract)
        del body[name]
        assert name in contract.schema.validate(body)


@pytest.mark.parametrize("contract", CONTRACTS, ids=lambda c: c.name)
def test_unknown_fields_are_refused(contract):
    assert "surprise" in contract.schema.validate(dict(example(contract), surprise="x"))


def test_a_closed_status_report_says_what_was_done():
    contract = MESSAGES[("DepartmentStatusReport", 1)]
    body = dict(example(contract), status="closed", resolution=None)
    assert "resolution" in contract.schema.validate(body)


def test_an_information_contact_says_what_was_asked():
    contract = MESSAGES[("ChannelInformationContact", 1)]
    body = dict(example(contract), topic=None, article_id=None)
    assert "topic" in contract.schema.validate(body)


@pytest.mark.parametrize("value, valid", [("large", True), (3, True), (["a", "b"], True),
                                          ([1, 2], False), ({"x": 1}, False), (True, False)])
def test_attribute_answers_are_text_numbers_or_lists_of_text(value, valid):
    contract = MESSAGES[("ChannelServiceRequest", 1)]
    errors = contract.schema.validate(dict(example(contract), attributes={"SIZE": value}))
    assert (errors == {}) is valid, errors


def test_department_messages_route_by_department_code():
    for contract in CONTRACTS:
        if contract.name.startswith("Department"):
            assert contract.routing_key.startswith("department.{code}."), contract.routing_key
