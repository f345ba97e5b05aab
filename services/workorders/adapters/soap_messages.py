"""SOAP 1.1 messages for the Watershed system, client side (stdlib ElementTree)."""
import xml.etree.ElementTree as ET

from .base import PermanentError, TransientError

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WMS = "urn:watershed:workorders:2009"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-username-token-profile-1.0#PasswordText")


def wms(tag: str) -> str:
    """Qualified name in the Watershed namespace."""
    return f"{{{WMS}}}{tag}"


def operation(tag: str, fields: dict) -> ET.Element:
    """An element with one child per field; a dict value nests, None is left out."""
    element = ET.Element(wms(tag))
    for name, value in fields.items():
        if isinstance(value, dict):
            element.append(operation(name, value))
        elif value is not None:
            ET.SubElement(element, wms(name)).text = str(value)
    return element


def build_envelope(username: str, password: str, payload: ET.Element) -> bytes:
    """An Envelope with a WS-Security UsernameToken header and ``payload`` in the Body."""
    envelope = ET.Element(f"{{{SOAP}}}Envelope")
    token = ET.SubElement(ET.SubElement(ET.SubElement(envelope, f"{{{SOAP}}}Header"), f"{{{WSSE}}}Security"),
                          f"{{{WSSE}}}UsernameToken")
    ET.SubElement(token, f"{{{WSSE}}}Username").text = username
    ET.SubElement(token, f"{{{WSSE}}}Password", Type=PASSWORD_TEXT).text = password
    ET.SubElement(envelope, f"{{{SOAP}}}Body").append(payload)
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def read_reply(system: str, http_status: int, content: bytes, transient_codes: frozenset[str]) -> ET.Element:
    """The element inside the reply's Body; a Fault becomes PermanentError or TransientError.

    Client faults are permanent (the request is wrong) unless their detail code
    is one of ``transient_codes`` (e.g. our credentials); Server faults, broken
    XML and unexpected HTTP statuses are transient.
    """
    try:
        body = ET.fromstring(content).find(f"{{{SOAP}}}Body")
    except ET.ParseError as error:
        raise TransientError(system, f"malformed reply (broken XML: {error})") from None
    if body is None or len(body) != 1:
        raise TransientError(system, f"malformed reply (no SOAP Body, HTTP {http_status})")
    payload = body[0]
    if payload.tag == f"{{{SOAP}}}Fault":
        raise fault_error(system, payload, transient_codes)
    if http_status != 200:
        raise TransientError(system, f"HTTP {http_status} without a SOAP Fault")
    return payload


def fault_error(system: str, fault: ET.Element, transient_codes: frozenset[str]) -> Exception:
    """The error a Fault stands for, carrying the system's faultstring as the reason."""
    side = (fault.findtext("faultcode") or "").rsplit(":", 1)[-1]
    reason = fault.findtext("faultstring") or "SOAP Fault without a faultstring"
    code = fault.findtext(f"detail/{wms('FaultDetail')}/{wms('Code')}")
    if side == "Client" and code not in transient_codes:
        return PermanentError(system, reason)
    return TransientError(system, f"{side} fault {code}: {reason}")


def child_text(element: ET.Element, tag: str) -> str | None:
    """Stripped text of a direct Watershed child, or None."""
    text = element.findtext(wms(tag))
    return text.strip() if text and text.strip() else None
