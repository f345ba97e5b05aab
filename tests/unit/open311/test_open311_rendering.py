"""Service requests, tokens and discovery as the public sees them, in JSON and XML."""
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings, strategies as st

from services.intake.open311.discovery import discovery_document
from services.intake.open311.documents import render_document
from services.intake.open311.parsing import PERSONAL_FIELDS
from services.intake.open311.rendering import created_document, requests_document, tokens_document

UTC = timezone.utc
NEW_YORK = ZoneInfo("America/New_York")
SPEC_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
    "address", "address_id", "zipcode", "lat", "long", "media_url",
]


def stored_request(**changes):
    record = {
        "service_request_id": 638344,
        "status": "closed",
        "status_notes": "Duplicate request.",
        "service_name": "Pothole",
        "service_code": "POTHOLE",
        "description": "Deep hole\r\nright lane",
        "agency_responsible": "Public Works – Streets",
        "service_notice": None,
        "requested_datetime": datetime(2026, 3, 1, 14, 37, 38, tzinfo=UTC),
        "updated_datetime": datetime(2026, 3, 2, 9, 0),  # naive, as SQLite returns it: UTC
        "expected_datetime": None,
        "address": "55 Trinity Ave SW",
        "address_id": 545483,
        "zipcode": "30303",
        "lat": 33.749,
        "long": -84.388,
        "media_url": None,
        "email": "resident@example.org",
        "phone": "+14045550123",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "device_id": "device-77",
        "account_id": "acct-9",
        "extended_attributes": {
            "channel": "web", "district": "2", "neighbourhood": "Downtown", "duplicate": True,
            "parent_request_id": 638001, "email": "leaked@example.org",
        },
        "notes": [
            {"type": "submitted", "description": "Submitted via web", "datetime": datetime(2026, 3, 1, 14, 37, tzinfo=UTC)},
            {"type": "closed", "description": "Duplicate of 638001", "datetime": "2026-03-02T09:00:00Z"},
        ],
    }
    record.update(changes)
    return record


def as_json(document):
    return json.loads(render_document(document, "json")[0])


def as_xml(document):
    return ET.fromstring(render_document(document, "xml")[0])


def test_requests_json_has_the_spec_fields_in_order_with_string_ids():
    [entry] = as_json(requests_document([stored_request()], tz=NEW_YORK))
    assert list(entry) == SPEC_FIELDS
    assert entry["service_request_id"] == "638344"
    assert entry["address_id"] == "545483"
    assert entry["zipcode"] == "30303"
    assert entry["requested_datetime"] == "2026-03-01T09:37:38-05:00"
    assert entry["updated_datetime"] == "2026-03-02T04:00:00-05:00"
    assert entry["expected_datetime"] is None
    assert entry["service_notice"] is None
    assert (entry["lat"], entry["long"]) == (33.749, -84.388)
    assert entry["description"] == "Deep hole\r\nright lane"


def test_requests_xml_has_the_spec_elements():
    root = as_xml(requests_document([stored_request(), stored_request(service_request_id="X-2", status="open")]))
    assert root.tag == "service_requests"
    assert [r.tag for r in root] == ["request", "request"]
    assert [c.tag for c in root[0]] == SPEC_FIELDS
    assert root[0].findtext("requested_datetime") == "2026-03-01T14:37:38+00:00"
    assert root[0].findtext("lat") == "33.749"
    assert root[0].find("service_notice").text is None
    assert root[1].findtext("service_request_id") == "X-2"
    assert root[1].findtext("status") == "open"


def test_crlf_survives_an_xml_round_trip():
    root = as_xml(requests_document([stored_request()]))
    assert root[0].findtext("description") == "Deep hole\r\nright lane"


def test_characters_xml_cannot_carry_are_dropped_not_fatal():
    root = as_xml(requests_document([stored_request(description="bell\x07 and \x00nul")]))
    assert root[0].findtext("description") == "bell and nul"


def test_extensions_add_allowed_extended_attributes_and_notes_only():
    [entry] = as_json(requests_document([stored_request()], extensions=True))
    assert entry["extended_attributes"] == {
        "channel": "web", "district": "2", "neighbourhood": "Downtown", "duplicate": True,
        "parent_request_id": "638001",
    }
    assert entry["notes"] == [
        {"type": "submitted", "description": "Submitted via web", "datetime": "2026-03-01T14:37:00+00:00"},
        {"type": "closed", "description": "Duplicate of 638001", "datetime": "2026-03-02T09:00:00+00:00"},
    ]
    root = as_xml(requests_document([stored_request()], extensions=True))
    assert root[0].find("extended_attributes").findtext("duplicate") == "true"
    assert [n.findtext("type") for n in root[0].find("notes")] == ["submitted", "closed"]
    assert [n.tag for n in root[0].find("notes")] == ["note", "note"]


def test_without_extensions_there_are_none():
    [entry] = as_json(requests_document([stored_request()]))
    assert "extended_attributes" not in entry and "notes" not in entry


def test_dataclass_records_render_too():
    @dataclass
    class Row:
        service_request_id: int
        status: str
        service_code: str
        email: str

    [entry] = as_json(requests_document([Row(7, "open", "POTHOLE", "resident@example.org")]))
    assert entry["service_request_id"] == "7"
    assert entry["lat"] is None
    assert "email" not in entry


def test_an_internal_status_is_a_bug_not_a_response():
    with pytest.raises(ValueError):
        requests_document([stored_request(status="in_progress")])


def test_post_response_and_tokens_follow_the_spec():
    assert as_json(created_document(638344)) == [
        {"service_request_id": "638344", "token": None, "service_notice": None, "account_id": None}]
    root = as_xml(created_document("SR-1", "We will look", token="t-1"))
    assert root.tag == "service_requests"
    assert [c.tag for c in root[0]] == ["service_request_id", "token", "service_notice", "account_id"]
    assert root[0].findtext("token") == "t-1"
    assert as_json(tokens_document(12345, 638344)) == [{"service_request_id": "638344", "token": "12345"}]
    token_root = as_xml(tokens_document("t-1", "SR-1"))
    assert (token_root.tag, token_root[0].tag, token_root[0].findtext("token")) == ("service_requests", "request", "t-1")


def test_discovery_follows_the_spec():
    document = discovery_document(
        "http://localhost:8311/open311/v2", datetime(2026, 3, 1, 12, tzinfo=UTC),
        "311 API team, api@city311.example", "Ask api@city311.example for a key", "test")
    assert as_json(document) == {
        "changeset": "2026-03-01T12:00:00+00:00",
        "contact": "311 API team, api@city311.example",
        "key_service": "Ask api@city311.example for a key",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "http://localhost:8311/open311/v2",
            "changeset": "2026-03-01T12:00:00+00:00",
            "type": "test",
            "formats": ["text/xml", "application/json"],
        }],
    }
    root = as_xml(document)
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    with pytest.raises(ValueError):
        discovery_document("http://x", datetime(2026, 1, 1, tzinfo=UTC), "c", "k", "staging")


personal_values = st.text(alphabet=st.characters(min_codepoint=0x41, max_codepoint=0x5A), min_size=12, max_size=20)


@settings(max_examples=60)
@given(
    values=st.fixed_dictionaries({name: personal_values for name in sorted(PERSONAL_FIELDS)}),
    extensions=st.booleans(),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_no_personal_field_is_ever_rendered(values, extensions, fmt):
    record = stored_request(**values)
    record["extended_attributes"] = dict(record["extended_attributes"], **values)
    record["notes"] = [dict(note, **values) for note in record["notes"]]
    body = render_document(requests_document([record], extensions=extensions), fmt)[0].decode("utf-8")
    for name, value in values.items():
        assert value not in body
        assert f'"{name}"' not in body and f"<{name}>" not in body
