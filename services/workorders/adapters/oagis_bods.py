"""OAGIS-style business object documents for the Transportation system, city side (stdlib ElementTree).

We send ProcessMaintenanceOrder and CancelMaintenanceOrder; we read
AcknowledgeMaintenanceOrder and SyncMaintenanceOrder. A document we cannot
read raises ValueError saying why (the caller parks it with that reason).
"""
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timezone

OAGIS = "http://www.openapplications.org/oagis/10"
SENDER = "city311"
MAX_DOCUMENT_BYTES = 262144


@dataclass(frozen=True)
class Acknowledgement:
    """The system's answer to one of our documents."""

    bod_id: str
    correlation_id: str
    original_bod_id: str
    accepted: bool
    legacy_id: str | None
    external_reference: str | None
    status: str | None
    reason_code: str | None
    reason: str | None


@dataclass(frozen=True)
class SyncRecord:
    """One status change the system announced."""

    bod_id: str
    legacy_id: str
    external_reference: str
    status: str
    resolution: str | None
    changed_at: datetime


def process_document(bod_id: str, reference: str, order_type: str, priority: str, description: str,
                     address: str | None, lat: float | None, long: float | None) -> bytes:
    """ProcessMaintenanceOrder (Add) for a new work order; the CorrelationID is our reference."""
    return _document("ProcessMaintenanceOrder", bod_id, reference, {
        "Process": {"ActionCriteria": {"ActionExpression": {"@actionCode": "Add"}}},
        "MaintenanceOrder": {"MaintenanceOrderHeader": {
            "AlternateDocumentID": {"ID": reference}, "Description": description,
            "MaintenanceOrderTypeCode": order_type, "PriorityCode": priority,
            "Location": {"Address": {"LineOne": address}, "Coordinate": {"Latitude": lat, "Longitude": long}}}}})


def cancel_document(bod_id: str, correlation_id: str, legacy_id: str, reason: str) -> bytes:
    """CancelMaintenanceOrder for one of the system's work orders."""
    return _document("CancelMaintenanceOrder", bod_id, correlation_id, {
        "Cancel": {"ActionCriteria": {"ActionExpression": {"@actionCode": "Cancel"}}},
        "MaintenanceOrder": {"MaintenanceOrderHeader": {"DocumentID": {"ID": legacy_id}, "Note": reason}}})


def read_acknowledgement(body: bytes) -> Acknowledgement:
    """Parse an AcknowledgeMaintenanceOrder; ValueError when it is not a readable one."""
    root, bod_id, correlation_id = _read(body, "AcknowledgeMaintenanceOrder")
    outcome = root.find(_path("DataArea/Acknowledge/ResponseCriteria/ResponseExpression"))
    action = outcome.get("actionCode") if outcome is not None else None
    original = _text(root, "DataArea/Acknowledge/OriginalApplicationArea/BODID")
    header = root.find(_path("DataArea/MaintenanceOrder/MaintenanceOrderHeader"))
    if action not in ("Accepted", "Rejected") or not original or header is None:
        raise ValueError("Acknowledge needs OriginalApplicationArea/BODID, an Accepted or Rejected "
                         "ResponseExpression and a MaintenanceOrderHeader")
    fields = [_text(header, path) for path in ("DocumentID/ID", "AlternateDocumentID/ID", "Status/Code",
                                              "Status/ReasonCode", "Status/Reason")]
    if action == "Accepted" and not (fields[0] and fields[2]):
        raise ValueError("an Accepted acknowledgement needs DocumentID/ID and Status/Code")
    return Acknowledgement(bod_id, correlation_id, original, action == "Accepted", *fields)


def read_sync(body: bytes) -> SyncRecord:
    """Parse a SyncMaintenanceOrder; ValueError when it is not a readable one."""
    root, bod_id, _ = _read(body, "SyncMaintenanceOrder")
    header = root.find(_path("DataArea/MaintenanceOrder/MaintenanceOrderHeader"))
    if header is None:
        raise ValueError("Sync needs DataArea/MaintenanceOrder/MaintenanceOrderHeader")
    legacy_id, reference, status, moment = (_text(header, path) for path in (
        "DocumentID/ID", "AlternateDocumentID/ID", "Status/Code", "Status/EffectiveDateTime"))
    if not (legacy_id and reference and status and moment):
        raise ValueError("Sync needs DocumentID/ID, AlternateDocumentID/ID, Status/Code and Status/EffectiveDateTime")
    changed_at = datetime.fromisoformat(moment)  # ValueError for a bad time, as wanted
    return SyncRecord(bod_id, legacy_id, reference, status, _text(header, "Status/ReasonCode"),
                      changed_at if changed_at.tzinfo else changed_at.replace(tzinfo=timezone.utc))


def _read(body: bytes, expected: str) -> tuple[ET.Element, str, str]:
    if len(body) > MAX_DOCUMENT_BYTES or b"<!DOCTYPE" in body.upper():
        raise ValueError("document too large or carries a DTD")
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        raise ValueError(f"not well-formed XML: {error}") from None
    if root.tag != f"{{{OAGIS}}}{expected}":
        raise ValueError(f"expected {expected}, got {root.tag}")
    bod_id, correlation_id = _text(root, "ApplicationArea/BODID"), _text(root, "ApplicationArea/CorrelationID")
    if not bod_id or not correlation_id:
        raise ValueError("ApplicationArea/BODID and ApplicationArea/CorrelationID are required")
    return root, bod_id, correlation_id


def _document(name: str, bod_id: str, correlation_id: str, data_area: dict) -> bytes:
    root = ET.Element(_path(name), releaseID="10.6")
    _fill(root, {"ApplicationArea": {"Sender": {"LogicalID": SENDER},
                                     "CreationDateTime": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                                     "BODID": bod_id, "CorrelationID": correlation_id},
                 "DataArea": data_area})
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _fill(parent: ET.Element, content: dict) -> None:
    for key, value in content.items():
        if key.startswith("@"):
            parent.set(key[1:], str(value))
        elif isinstance(value, dict):
            child = ET.Element(_path(key))
            _fill(child, value)
            if len(child) or child.attrib:
                parent.append(child)
        elif value is not None:
            ET.SubElement(parent, _path(key)).text = str(value)


def _path(path: str) -> str:
    return "/".join(f"{{{OAGIS}}}{part}" for part in path.split("/"))


def _text(element: ET.Element, path: str) -> str | None:
    text = element.findtext(_path(path))
    return text.strip() if text and text.strip() else None
