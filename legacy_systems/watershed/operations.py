"""The Watershed operations: a batch (CreateWorkOrder, FindByExternalRef, CancelWorkOrder) and GetStatusChanges.

A batch is checked as a whole before anything is applied: one bad operation
faults the envelope and nothing in it takes effect.
"""
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Callable

from legacy_systems.common.rules import BusinessRuleError
from legacy_systems.common.server import SimulatorContext
from legacy_systems.common.timestamps import parse_iso, to_iso

from .soap import SoapFault, add_fields, field_text, local_name, wms


class WatershedOperations:
    """Turns operation elements into result elements."""

    def __init__(self, context: SimulatorContext):
        self._rules = context.rules
        self._store = context.store
        self._faults = context.faults
        self._config = context.config

    def execute_batch(self, batch: ET.Element) -> ET.Element:
        """Check every operation, then run them in order; BatchResponse holds one result per operation."""
        operations = list(batch)
        if not 0 < len(operations) <= self._config["max_batch_operations"]:
            raise SoapFault("Client", f"A batch holds 1 to {self._config['max_batch_operations']} operations",
                            "BAD_BATCH")
        ready = [self._prepare(index, operation) for index, operation in enumerate(operations)]
        response = ET.Element(wms("BatchResponse"))
        for run in ready:
            response.append(run())
        return response

    def get_status_changes(self, request: ET.Element) -> ET.Element:
        """Status changes with From <= ChangedAt < To, oldest first."""
        start, end = _timestamp(request, "From"), _timestamp(request, "To")
        if end <= start or end - start > timedelta(hours=self._config["max_window_hours"]):
            raise SoapFault("Client", f"To must be after From, at most {self._config['max_window_hours']} hours later",
                            "BAD_WINDOW")
        response = ET.Element(wms("GetStatusChangesResponse"))
        for change in self._faults.distort_feed(self._store.changes_between(to_iso(start), to_iso(end))):
            add_fields(ET.SubElement(response, wms("StatusChange")), {
                "ChangeSequence": change["history_id"], "WorkOrderNumber": change["legacy_id"],
                "ExternalRef": change["external_reference"], "Status": change["status"],
                "ResolutionCode": change["resolution"], "ChangedAt": change["at"]})
        return response

    def _prepare(self, index: int, operation: ET.Element) -> Callable[[], ET.Element]:
        name = local_name(operation.tag)
        prepare = {"CreateWorkOrder": self._prepare_create, "FindByExternalRef": self._prepare_find,
                   "CancelWorkOrder": self._prepare_cancel}.get(name)
        if prepare is None:
            raise SoapFault("Client", f"Operation {index}: unknown operation {name}", "UNKNOWN_OPERATION", index)
        try:
            return prepare(operation)
        except BusinessRuleError as rejection:
            raise SoapFault("Client", f"Operation {index} ({name}): {rejection.reason}", rejection.code, index) from None
        except SoapFault as fault:
            raise SoapFault("Client", f"Operation {index} ({name}): {fault.reason}", fault.code, index) from None

    def _prepare_create(self, operation: ET.Element) -> Callable[[], ET.Element]:
        reference, category = field_text(operation, "ExternalRef"), field_text(operation, "AssetCategory")
        priority = field_text(operation, "Priority", required=False) or "ROUTINE"
        if priority not in self._config["priorities"]:
            raise BusinessRuleError("BAD_FIELD", f"Priority must be one of {', '.join(self._config['priorities'])}")
        self._rules.check_category(category)
        details = {"description": field_text(operation, "Description"), "priority": priority,
                   "address": field_text(operation, "Location/Address", required=False),
                   "lat": _coordinate(operation, "Location/Latitude"),
                   "long": _coordinate(operation, "Location/Longitude")}
        return lambda: _result("CreateWorkOrderResult", [self._held(self._rules.create, reference, category, details)])

    def _prepare_find(self, operation: ET.Element) -> Callable[[], ET.Element]:
        reference = field_text(operation, "ExternalRef")
        return lambda: _result("FindByExternalRefResult", self._store.find_by_reference(reference))

    def _prepare_cancel(self, operation: ET.Element) -> Callable[[], ET.Element]:
        number = field_text(operation, "WorkOrderNumber")
        field_text(operation, "Reason")
        self._rules.check_cancellable(number)
        return lambda: _result("CancelWorkOrderResult", [self._held(self._rules.cancel, number)])

    def _held(self, write: Callable[..., dict], *args) -> dict:
        """A create or cancel, after the write-delay fault (if any) has held it."""
        with self._faults.held_write():
            return write(*args)


def _result(tag: str, workorders: list[dict]) -> ET.Element:
    result = ET.Element(wms(tag))
    for row in workorders:
        add_fields(ET.SubElement(result, wms("WorkOrder")), {
            "WorkOrderNumber": row["legacy_id"], "ExternalRef": row["external_reference"],
            "AssetCategory": row["category"], "Priority": row["priority"], "Status": row["status"],
            "ResolutionCode": row["resolution"], "CreatedAt": row["created_at"], "ModifiedAt": row["modified_at"]})
    return result


def _timestamp(element: ET.Element, tag: str):
    try:
        return parse_iso(field_text(element, tag))
    except ValueError:
        raise SoapFault("Client", f"{tag} must be an ISO 8601 timestamp", "BAD_FIELD") from None


def _coordinate(element: ET.Element, path: str) -> float | None:
    text = field_text(element, path, required=False)
    try:
        return None if text is None else float(text)
    except ValueError:
        raise BusinessRuleError("BAD_FIELD", f"{path} must be a decimal number") from None
