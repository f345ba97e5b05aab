"""The OpenAPI document: well formed, complete, and true to what the layer renders."""
import json
from datetime import datetime, timezone

import pytest

from open311_calls import post_request
from open311_schema_validation import resolve, schema_problems
from services.intake.open311.catalog_documents import service_definition_document, services_document
from services.intake.open311.discovery import discovery_document
from services.intake.open311.documents import CONTENT_TYPES, JSONP_CONTENT_TYPE, render_document
from services.intake.open311.errors import Open311Error
from services.intake.open311.openapi import load_openapi_document, openapi_json
from services.intake.open311.rendering import created_document, requests_document, tokens_document
from services.intake.open311.responses import render_errors

OPENAPI = load_openapi_document()
V2 = "/open311/v2"


def all_refs(node):
    if isinstance(node, dict):
        yield from ([node["$ref"]] if "$ref" in node else [])
        for child in node.values():
            yield from all_refs(child)
    elif isinstance(node, list):
        for child in node:
            yield from all_refs(child)


def response_schema(path, method, status):
    response = OPENAPI["paths"][path][method]["responses"][status]
    response = resolve(OPENAPI, response["$ref"]) if "$ref" in response else response
    return response["content"]["application/json"]["schema"]


def assert_matches(document, path, method="get", status="200"):
    value = json.loads(render_document(document, "json")[0])
    assert schema_problems(value, response_schema(path, method, status), OPENAPI) == []


def test_document_is_openapi_3_with_every_endpoint():
    assert OPENAPI["openapi"].startswith("3.0")
    assert set(OPENAPI["paths"]) == {
        "/open311/discovery.{format}", f"{V2}/discovery.{{format}}", f"{V2}/services.{{format}}",
        f"{V2}/services/{{service_code}}.{{format}}", f"{V2}/requests.{{format}}",
        f"{V2}/requests/{{service_request_id}}.{{format}}", f"{V2}/tokens/{{token}}.{{format}}",
    }
    assert set(OPENAPI["paths"][f"{V2}/requests.{{format}}"]) == {"get", "post"}


def test_every_reference_resolves_and_json_serialises():
    for ref in all_refs(OPENAPI):
        assert resolve(OPENAPI, ref) is not None
    assert json.loads(openapi_json("http://127.0.0.1:9999"))["servers"] == [{"url": "http://127.0.0.1:9999"}]


def test_every_operation_documents_its_errors_and_content_types():
    expected_types = {CONTENT_TYPES["json"].split(";")[0], CONTENT_TYPES["xml"].split(";")[0],
                      JSONP_CONTENT_TYPE.split(";")[0]}
    for path, operations in OPENAPI["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"200", "400", "404"} <= set(responses), (path, method)
            assert ("403" in responses) == (method == "post"), (path, method)
            for response in responses.values():
                response = resolve(OPENAPI, response["$ref"]) if "$ref" in response else response
                assert set(response["content"]) == expected_types, (path, method)


def test_rendered_catalog_documents_match_the_schemas(catalog):
    assert_matches(services_document(catalog), f"{V2}/services.{{format}}")
    for service in catalog.services:
        assert_matches(service_definition_document(service), f"{V2}/services/{{service_code}}.{{format}}")


def test_rendered_requests_match_the_schema_with_and_without_extensions():
    record = {
        "service_request_id": 1, "status": "open", "service_code": "POTHOLE", "service_name": "Pothole",
        "requested_datetime": datetime(2026, 3, 1, tzinfo=timezone.utc), "lat": 33.7, "long": -84.4,
        "email": "never@example.org",
        "extended_attributes": {"channel": "phone", "duplicate": False},
        "notes": [{"type": "opened", "description": "Opened", "datetime": datetime(2026, 3, 1, tzinfo=timezone.utc)}],
    }
    for extensions in (False, True):
        document = requests_document([record], extensions=extensions)
        assert_matches(document, f"{V2}/requests.{{format}}")
        assert_matches(document, f"{V2}/requests/{{service_request_id}}.{{format}}")


def test_post_tokens_and_discovery_responses_match_the_schemas(pothole_form, catalog):
    assert_matches(created_document("SR-1", "Thanks"), f"{V2}/requests.{{format}}", "post")
    body = json.loads(post_request(pothole_form, catalog).body)
    assert schema_problems(body, response_schema(f"{V2}/requests.{{format}}", "post", "200"), OPENAPI) == []
    assert_matches(tokens_document("t", "SR-1"), f"{V2}/tokens/{{token}}.{{format}}")
    discovery = discovery_document("http://localhost:8311/open311/v2", datetime(2026, 1, 1, tzinfo=timezone.utc),
                                   "contact", "keys")
    assert_matches(discovery, "/open311/discovery.{format}")


@pytest.mark.parametrize("status", ["400", "403", "404"])
def test_error_bodies_match_the_error_schema(status):
    body = json.loads(render_errors([Open311Error(int(status), int(status), "why")], "json").body)
    schema = response_schema(f"{V2}/requests.{{format}}", "post", status)
    assert schema_problems(body, schema, OPENAPI) == []


def test_the_schema_check_itself_catches_a_personal_field():
    schema = resolve(OPENAPI, "#/components/schemas/ServiceRequest")
    value = json.loads(render_document(requests_document([{"service_request_id": 1, "status": "open",
                                                          "service_code": "P", "requested_datetime": "2026-01-01"}]),
                                       "json")[0])[0]
    assert schema_problems(value, schema, OPENAPI) == []
    assert schema_problems(dict(value, email="x@example.org"), schema, OPENAPI) == ["$: unexpected property email"]
