"""OAGIS-style business object documents (BODs) as the Transportation system reads and writes them.

Every document: ``<Verb>MaintenanceOrder`` in the OAGIS 10 namespace, an
ApplicationArea (Sender, CreationDateTime, BODID, CorrelationID) and a
DataArea with the verb and one MaintenanceOrder (see PROTOCOL.md).
"""
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from legacy_systems.common.timestamps import to_iso, utc_now

OAGIS = "http://www.openapplications.org/oagis/10"
SENDER = "transportation"
INBOUND_VERBS = {"ProcessMaintenanceOrder": "Process", "CancelMaintenanceOrder": "Cancel"}
SYNC_NAMESPACE = uuid.UUID("5d0c3a8e-5b7e-4c43-9d61-0f3c7e2f8a11")

ET.register_namespace("", OAGIS)


class DocumentError(Exception):
    """A document that cannot be read; the message says why (it is parked with it)."""


@dataclass(frozen=True)
class InboundDocument:
    """A Process or Cancel document from the city."""

    verb: str
    bod_id: str
    correlation_id: str
    header: ET.Element   # DataArea/MaintenanceOrder/MaintenanceOrderHeader

    def field(self, path: str) -> str | None:
        """Stripped text at ``path`` (local names joined by "/") under the order header, or None."""
        return text_at(self.header, path)


def oagis(path: str) -> str:
    """A path of local names as qualified OAGIS names."""
    return "/".join(f"{{{OAGIS}}}{part}" for part in path.split("/"))


def text_at(element: ET.Element, path: str) -> str | None:
    """Stripped text at ``path`` below ``element``, or None when absent or blank."""
    text = element.findtext(oagis(path))
    return text.strip() if text and text.strip() else None


def read_inbound(body: bytes, max_bytes: int) -> InboundDocument:
    """Parse a document from the process queue; DocumentError says what is wrong with it."""
    if len(body) > max_bytes:
        raise DocumentError(f"document of {len(body)} bytes is over the limit of {max_bytes}")
    if b"<!DOCTYPE" in body.upper():
        raise DocumentError("DTDs are not accepted")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise DocumentError(f"not well-formed XML: {error}") from None
    name = root.tag.rsplit("}", 1)[-1]
    if root.tag != f"{{{OAGIS}}}{name}" or name not in INBOUND_VERBS:
        raise DocumentError(f"unexpected document {root.tag}: expected ProcessMaintenanceOrder or "
                            f"CancelMaintenanceOrder in {OAGIS}")
    bod_id, correlation_id = text_at(root, "ApplicationArea/BODID"), text_at(root, "ApplicationArea/CorrelationID")
    header = root.find(oagis("DataArea/MaintenanceOrder/MaintenanceOrderHeader"))
    if not bod_id or not correlation_id or header is None:
        raise DocumentError("ApplicationArea/BODID, ApplicationArea/CorrelationID and "
                            "DataArea/MaintenanceOrder/MaintenanceOrderHeader are required")
    return InboundDocument(INBOUND_VERBS[name], bod_id, correlation_id, header)


def acknowledgement(original: InboundDocument, accepted: bool, order: dict | None,
                    reason_code: str | None = None, reason: str | None = None) -> tuple[str, bytes]:
    """(BODID, AcknowledgeMaintenanceOrder) answering ``original``: same CorrelationID, its BODID as the original."""
    order, bod_id = order or {}, str(uuid.uuid4())
    return bod_id, document("AcknowledgeMaintenanceOrder", bod_id, original.correlation_id, {
        "Acknowledge": {"OriginalApplicationArea": {"BODID": original.bod_id},
                        "ResponseCriteria": {"ResponseExpression": {
                            "@actionCode": "Accepted" if accepted else "Rejected"}}},
        "MaintenanceOrder": {"MaintenanceOrderHeader": {
            "DocumentID": {"ID": order.get("legacy_id")},
            "AlternateDocumentID": {"ID": order.get("external_reference") or original.field("AlternateDocumentID/ID")},
            "Status": {"Code": order.get("status"), "ReasonCode": reason_code, "Reason": reason}}}})


def sync(change: dict) -> tuple[str, bytes]:
    """(BODID, SyncMaintenanceOrder) for one status change; the same change always gets the same BODID."""
    bod_id = str(uuid.uuid5(SYNC_NAMESPACE, "|".join(str(change[key]) for key in ("legacy_id", "status", "at"))))
    return bod_id, document("SyncMaintenanceOrder", bod_id, change["external_reference"], {
        "Sync": {"ActionCriteria": {"ActionExpression": {"@actionCode": "Change"}}},
        "MaintenanceOrder": {"MaintenanceOrderHeader": {
            "DocumentID": {"ID": change["legacy_id"]}, "AlternateDocumentID": {"ID": change["external_reference"]},
            "Status": {"Code": change["status"], "EffectiveDateTime": change["at"],
                       "ReasonCode": change["resolution"]}}}})


def document(name: str, bod_id: str, correlation_id: str, data_area: dict) -> bytes:
    """A whole BOD with this system's ApplicationArea."""
    root = ET.Element(oagis(name), releaseID="10.6")
    fill(root, {"ApplicationArea": {"Sender": {"LogicalID": SENDER}, "CreationDateTime": to_iso(utc_now()),
                                    "BODID": bod_id, "CorrelationID": correlation_id},
                "DataArea": data_area})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def fill(parent: ET.Element, content: dict) -> None:
    """Children from a dict: a dict value nests, ``@name`` sets an attribute, None is left out."""
    for key, value in content.items():
        if key.startswith("@"):
            parent.set(key[1:], str(value))
        elif isinstance(value, dict):
            child = ET.Element(oagis(key))
            fill(child, value)
            if len(child) or child.attrib:
                parent.append(child)
        elif value is not None:
            ET.SubElement(parent, oagis(key)).text = str(value)
