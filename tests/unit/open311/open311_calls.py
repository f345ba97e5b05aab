"""How the tests call the protocol layer the way the nameko shell will, and read what comes back."""
import json
import xml.etree.ElementTree as ET

from open311_samples import API_KEYS, JURISDICTION_ID
from services.intake.open311.access import check_api_key
from services.intake.open311.parsing import parse_new_request
from services.intake.open311.rendering import created_document
from services.intake.open311.responses import answer


def post_request(form, catalog, fmt="json", accepted=None):
    """POST requests.{fmt} with `form`; what the store would see is appended to `accepted`."""

    def build(stem):
        assert stem == "requests"
        application = check_api_key(form, API_KEYS)
        new_request = parse_new_request(form, catalog, JURISDICTION_ID)
        if accepted is not None:
            accepted.append((application, new_request))
        return created_document("SR-2026-000123", "Crews usually respond within 3 business days.", "t-123")

    return answer(f"requests.{fmt}", form, build)


def errors_of(response):
    """[(code, description)] from an error Response in either format (checks its content type)."""
    if response.content_type.startswith("text/xml"):
        root = ET.fromstring(response.body)
        assert root.tag == "errors"
        assert all(child.tag == "error" for child in root)
        return [(int(e.findtext("code")), e.findtext("description")) for e in root]
    assert response.content_type == "application/json; charset=utf-8"
    return [(e["code"], e["description"]) for e in json.loads(response.body)]
