"""The two wire formats of GeoReport v2: XML, and JSON mapped from it by the Spark convention.

Every response is first built as a `Document`: the XML root element name and a
JSON-ready value (dicts, lists, strings, numbers, booleans, None). JSON is that
value as it stands; XML wraps it in the root and names each list item after its
list (`<services><service>`, `<attributes><attribute>`, `<values><value>` ...),
as the spec's examples do. A None becomes JSON null and an empty XML element.
"""
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}
JSONP_CONTENT_TYPE = "application/javascript; charset=utf-8"
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The element name of one item of each list in the spec's XML.
XML_ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
}

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML_CHARACTERS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Document:
    """A response body before it is given a format: XML root name and JSON-ready content."""

    root: str
    content: object


def render_document(document, fmt, callback=None):
    """Serialise `document` as "json" or "xml"; return (body bytes, content type).

    `callback` (already checked with formats.check_jsonp_callback) wraps JSON as
    JSONP; it is ignored for XML.
    """
    if fmt == "xml":
        return document_to_xml(document), CONTENT_TYPES["xml"]
    body = json.dumps(document.content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    if callback:
        return _jsonp(callback, body), JSONP_CONTENT_TYPE
    return body.encode("utf-8", errors="replace"), CONTENT_TYPES["json"]


def _jsonp(callback, body):
    # U+2028/U+2029 are legal in JSON but end a line in older JavaScript; the
    # leading comment defeats content sniffing attacks on the callback name.
    body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"/**/{callback}({body});".encode("utf-8", errors="replace")


def document_to_xml(document):
    """The XML bytes of `document`, with declaration, UTF-8 encoded."""
    root = ET.Element(document.root)
    _fill(root, document.root, document.content)
    text = ET.tostring(root, encoding="unicode")
    # XML parsers turn a literal CR into LF; a character reference keeps CRLF whole.
    text = text.replace("\r", "&#13;")
    return (XML_DECLARATION + text).encode("utf-8", errors="replace")


def _fill(element, name, value):
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), key, child)
    elif isinstance(value, (list, tuple)):
        item_name = XML_ITEM_NAMES[name]
        for child in value:
            _fill(ET.SubElement(element, item_name), item_name, child)
    elif value is not None:
        element.text = _xml_text(value)


def _xml_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML_CHARACTERS.sub("", str(value))
