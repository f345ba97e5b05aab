"""Calling the live Open311 API over HTTP and reading its answers in either format."""
import itertools
import json
import re
import xml.etree.ElementTree as ET

import requests

FORMATS = ["json", "xml"]
V2 = "/open311/v2"
W3C_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The spec's XML names each list item after its list.
XML_LIST_ITEMS = {"services": "service", "attributes": "attribute", "values": "value",
                  "service_requests": "request", "errors": "error", "endpoints": "endpoint",
                  "formats": "format", "notes": "note"}
POTHOLE = {"api_key": "dev-web-key", "service_code": "POTHOLE", "attribute[SIZE]": "large",
           "description": "Deep pothole in the right lane"}

_spot = itertools.count()


def somewhere_new():
    """lat/long inside the sample city, apart from every other spot this module used (no duplicates)."""
    n = next(_spot) + 300
    return {"lat": f"{33.70 + 0.004 * (n % 25):.4f}", "long": f"{-84.46 + 0.004 * (n // 25 % 25):.4f}"}


def call(system, method, path, fmt=None, params=None, data=None, **kw):
    """One HTTP call to intake; `fmt` is appended to the path as its extension."""
    url = system.url("intake", f"{path}.{fmt}" if fmt else path)
    return requests.request(method, url, params=params, data=data, timeout=30, **kw)


def document(response, fmt):
    """The body as Python values: JSON as it is, XML turned into the same shape (text leaves)."""
    assert "<html" not in response.text.lower(), response.text[:300]
    assert response.headers["Content-Type"] == CONTENT_TYPES[fmt], response.headers["Content-Type"]
    if fmt == "json":
        return response.json()
    return xml_value(ET.fromstring(response.content))


def xml_value(element):
    if element.tag in XML_LIST_ITEMS:
        assert all(child.tag == XML_LIST_ITEMS[element.tag] for child in element), ET.tostring(element)
        return [xml_value(child) for child in element]
    if len(element):
        return {child.tag: xml_value(child) for child in element}
    return element.text


def as_xml_text(value):
    """A JSON document as the XML rendering must read: every leaf as its text, empty as None."""
    if isinstance(value, dict):
        return {k: as_xml_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_xml_text(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None or value == "":
        return None
    return str(value)


def ok(response, fmt):
    assert response.status_code == 200, response.text[:1000]
    return document(response, fmt)


def errors(response, fmt, status):
    """The error list of a response that must have `status`; checks the spec's error shape."""
    assert response.status_code == status, (response.status_code, response.text[:1000])
    found = document(response, fmt)
    assert isinstance(found, list) and found, found
    for error in found:
        assert set(error) == {"code", "description"}, error
        assert str(error["code"]) == str(status) and error["description"]
        if fmt == "json":
            assert isinstance(error["code"], int)
    return " | ".join(e["description"] for e in found)


def file(system, fmt="json", **changes):
    """POST a pothole report (at a fresh spot unless given) with `changes`; its POST answer entry."""
    form = {**POTHOLE, **somewhere_new(), **changes}
    form = {k: v for k, v in form.items() if v is not None}
    created = ok(call(system, "POST", f"{V2}/requests", fmt, data=form), fmt)
    assert len(created) == 1
    return created[0]


def public(system, service_request_id, fmt="json", **params):
    """GET requests/{id}: the one public record."""
    found = ok(call(system, "GET", f"{V2}/requests/{service_request_id}", fmt, params=params), fmt)
    assert len(found) == 1, found
    return found[0]


def listed_ids(system, fmt="json", **params):
    return [r["service_request_id"] for r in ok(call(system, "GET", f"{V2}/requests", fmt, params=params), fmt)]


def raw(system, method, path_and_query, body=None, headers=None):
    """A call with the bytes of the path, query and body exactly as given (no client-side encoding)."""
    session = requests.Session()
    prepared = requests.Request(method, system.url("intake", "/"), data=body, headers=headers or {}).prepare()
    prepared.url = system.url("intake", path_and_query)
    return session.send(prepared, timeout=30)


def json_dumps(value):
    return json.dumps(value, sort_keys=True)
