"""The Open311 GeoReport v2 protocol layer of intake, as plain Python (no HTTP, no database).

The nameko @http shell resolves one call with `answer(path, params, build)`:
`build(stem)` validates the parameters with the functions below, does the
work (look up, store) and returns a Document; `answer` renders it as XML,
JSON or JSONP, or renders any Open311Error in the spec's error format, and
returns a Response (status, body bytes, content type).
"""
from services.intake.open311.access import check_api_key, check_jurisdiction
from services.intake.open311.catalog import (
    AttributeValue,
    CatalogError,
    Service,
    ServiceAttribute,
    ServiceCatalog,
    load_catalog,
    load_catalog_file,
)
from services.intake.open311.catalog_documents import service_definition_document, services_document
from services.intake.open311.dates import format_w3c_datetime, parse_w3c_datetime
from services.intake.open311.discovery import discovery_document
from services.intake.open311.documents import Document, render_document
from services.intake.open311.errors import Open311Error, Open311ErrorGroup
from services.intake.open311.formats import check_jsonp_callback, format_from_path, split_format
from services.intake.open311.openapi import load_openapi_document, openapi_json
from services.intake.open311.params import decode_params
from services.intake.open311.parsing import PERSONAL_FIELDS, NewServiceRequest, parse_new_request
from services.intake.open311.queries import Area, RequestQuery, parse_request_query
from services.intake.open311.rendering import created_document, requests_document, tokens_document
from services.intake.open311.responses import Response, answer, error_response, errors_document, render_errors
from services.intake.open311.time_windows import TimeWindow

__all__ = [
    "Area", "AttributeValue", "CatalogError", "Document", "NewServiceRequest", "Open311Error",
    "Open311ErrorGroup", "PERSONAL_FIELDS", "RequestQuery", "Response", "Service", "ServiceAttribute",
    "ServiceCatalog", "TimeWindow", "answer", "check_api_key", "check_jsonp_callback",
    "check_jurisdiction", "created_document", "decode_params", "discovery_document",
    "error_response", "errors_document", "format_from_path", "format_w3c_datetime",
    "load_catalog", "load_catalog_file", "load_openapi_document", "openapi_json",
    "parse_new_request", "parse_request_query", "parse_w3c_datetime", "render_document",
    "render_errors", "requests_document", "service_definition_document", "services_document",
    "split_format", "tokens_document",
]
