"""SOAP 1.1 envelopes as the Watershed system reads and writes them (stdlib ElementTree)."""
import xml.etree.ElementTree as ET

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WMS = "urn:watershed:workorders:2009"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"

ET.register_namespace("soap", SOAP)
ET.register_namespace("wms", WMS)


class SoapFault(Exception):
    """A fault to send back: ``side`` is "Client" (your request) or "Server" (ours)."""

    def __init__(self, side: str, reason: str, code: str, operation_index: int | None = None):
        super().__init__(reason)
        self.side = side
        self.reason = reason
        self.code = code
        self.operation_index = operation_index


def wms(tag: str) -> str:
    """Qualified name in the Watershed namespace."""
    return f"{{{WMS}}}{tag}"


def local_name(tag: str) -> str:
    """Tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def parse_request(body: bytes) -> tuple[tuple[str, str] | None, ET.Element]:
    """The UsernameToken credentials (if any) and the single operation element in Body."""
    if b"<!DOCTYPE" in body.upper():
        raise SoapFault("Client", "DTDs are not accepted", "BAD_ENVELOPE")
    try:
        envelope = ET.fromstring(body)
    except ET.ParseError as error:
        raise SoapFault("Client", f"Request is not well-formed XML: {error}", "BAD_ENVELOPE") from None
    body_element = envelope.find(f"{{{SOAP}}}Body")
    if envelope.tag != f"{{{SOAP}}}Envelope" or body_element is None or len(body_element) != 1:
        raise SoapFault("Client", "Expected a SOAP 1.1 Envelope whose Body holds one operation", "BAD_ENVELOPE")
    return _credentials(envelope), body_element[0]


def _credentials(envelope: ET.Element) -> tuple[str, str] | None:
    token = envelope.find(f"{{{SOAP}}}Header/{{{WSSE}}}Security/{{{WSSE}}}UsernameToken")
    if token is None:
        return None
    return token.findtext(f"{{{WSSE}}}Username", ""), token.findtext(f"{{{WSSE}}}Password", "")


def response_envelope(payload: ET.Element) -> bytes:
    """A SOAP Envelope whose Body carries ``payload``."""
    envelope = ET.Element(f"{{{SOAP}}}Envelope")
    ET.SubElement(envelope, f"{{{SOAP}}}Body").append(payload)
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def fault_envelope(fault: SoapFault) -> bytes:
    """A SOAP 1.1 Fault with a readable faultstring and a machine-readable detail code."""
    element = ET.Element(f"{{{SOAP}}}Fault")
    ET.SubElement(element, "faultcode").text = f"soap:{fault.side}"
    ET.SubElement(element, "faultstring").text = fault.reason
    detail = ET.SubElement(ET.SubElement(element, "detail"), wms("FaultDetail"))
    ET.SubElement(detail, wms("Code")).text = fault.code
    if fault.operation_index is not None:
        ET.SubElement(detail, wms("OperationIndex")).text = str(fault.operation_index)
    return response_envelope(element)


def add_fields(parent: ET.Element, fields: dict) -> ET.Element:
    """Append one child per non-empty field, in order; returns ``parent``."""
    for tag, value in fields.items():
        if value is not None:
            ET.SubElement(parent, wms(tag)).text = str(value)
    return parent


def field_text(element: ET.Element, path: str, required: bool = True) -> str | None:
    """Text of a child (``path`` of local names joined by "/"); a missing required field is a Client fault."""
    found = element.find("/".join(wms(part) for part in path.split("/")))
    text = found.text.strip() if found is not None and found.text else ""
    if required and not text:
        raise SoapFault("Client", f"{path} is required", "MISSING_FIELD")
    return text or None
