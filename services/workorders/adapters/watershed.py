"""Watershed Management: a SOAP 1.1 work-order system.

Create, find and cancel travel as one-operation batches; status changes come
from ``GetStatusChanges(From, To)`` windows, each starting ``overlap`` before the
previous one ended.
"""
import logging
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from .base import LegacyWorkOrder, StatusChange, TransientError, WorkOrderRequest
from .cursors import read_time, write_cursor
from .http_transport import HttpTransport
from .settling import Settling
from .soap_messages import WMS, build_envelope, child_text, operation, read_reply, wms
from .vocabulary import SystemVocabulary

log = logging.getLogger(__name__)


def from_config(system: str, config: dict) -> "WatershedSoapClient":
    """Build from the merged ``deploy/workorder_systems/<system>.yaml`` configuration."""
    def seconds(key: str) -> timedelta:
        return timedelta(seconds=float(config[key]))

    return WatershedSoapClient(
        system, HttpTransport(system, config["url"], float(config["timeout_seconds"])), config["service_path"],
        (config["username"], config["password"]), SystemVocabulary.from_config(system, config),
        frozenset(config.get("transient_fault_codes", [])), overlap=seconds("overlap_seconds"),
        initial_lookback=seconds("initial_lookback_seconds"), max_window=seconds("max_window_seconds"),
        settling=Settling.from_config(config))


class WatershedSoapClient:
    """WorkOrderSystemClient for the Watershed SOAP service."""

    def __init__(self, name: str, transport: HttpTransport, service_path: str, credentials: tuple[str, str],
                 vocabulary: SystemVocabulary, transient_codes: frozenset[str],
                 overlap: timedelta, initial_lookback: timedelta, max_window: timedelta,
                 settling: Settling = Settling()):
        self.name = name
        self._transport = transport
        self._path = service_path
        self._credentials = credentials
        self._vocabulary = vocabulary
        self._transient_codes = transient_codes
        self._overlap, self._lookback, self._max_window = overlap, initial_lookback, max_window
        self._settling = settling

    def find_by_reference(self, external_reference: str) -> LegacyWorkOrder | None:
        """FindByExternalRef; the oldest match when there are several."""
        found = self._batch(operation("FindByExternalRef", {"ExternalRef": external_reference}))
        if len(found) > 1:
            log.warning("%s: %d work orders carry reference %s", self.name, len(found), external_reference)
        return found[0] if found else None

    def create(self, request: WorkOrderRequest) -> LegacyWorkOrder:
        """CreateWorkOrder with ExternalRef = our tracking id; without an answer, waits for it to settle."""
        location = {"Address": request.address, "Latitude": request.lat, "Longitude": request.long}
        create = operation("CreateWorkOrder", {
            "ExternalRef": request.service_request_id,
            "AssetCategory": self._vocabulary.category_for(request.service_code),
            "Description": request.description, "Priority": self._vocabulary.priority_for(request.priority),
            "Location": location})
        return self._settling.create(lambda: self._only(self._batch(create)),
                                     lambda: self.find_by_reference(request.service_request_id))

    def cancel(self, legacy_id: str, reason: str) -> bool:
        """CancelWorkOrder; PermanentError (Client fault) when the system refuses."""
        self._only(self._batch(operation("CancelWorkOrder", {"WorkOrderNumber": legacy_id, "Reason": reason})))
        return True

    def fetch_changes(self, cursor: str | None) -> tuple[list[StatusChange], str]:
        """One window: from the previous window's end minus the overlap, to now (at most max_window long)."""
        now = datetime.now(timezone.utc)
        previous_end = read_time(self.name, cursor, "to")
        start = previous_end - self._overlap if previous_end else now - self._lookback
        end = min(now, start + self._max_window)
        reply = self._call("GetStatusChanges", operation("GetStatusChanges", {"From": start.isoformat(),
                                                                               "To": end.isoformat()}))
        changes = [self._change(element) for element in reply.findall(wms("StatusChange"))]
        reported = sorted((c for c in changes if self._vocabulary.is_reported(c.legacy_status)),
                          key=lambda c: c.changed_at)
        return reported, write_cursor(to=end.isoformat())

    def _batch(self, single: ET.Element) -> list[LegacyWorkOrder]:
        batch = ET.Element(wms("Batch"))
        batch.append(single)
        results = list(self._call("Batch", batch))
        if len(results) != 1:
            raise TransientError(self.name, f"malformed reply ({len(results)} results for 1 operation)")
        return [self._work_order(element) for element in results[0].findall(wms("WorkOrder"))]

    def _call(self, action: str, payload: ET.Element) -> ET.Element:
        response = self._transport.post(self._path, data=build_envelope(*self._credentials, payload),
                                        headers={"Content-Type": "text/xml; charset=utf-8",
                                                 "SOAPAction": f'"{WMS}/{action}"'})
        return read_reply(self.name, response.status_code, response.content, self._transient_codes)

    def _only(self, workorders: list[LegacyWorkOrder]) -> LegacyWorkOrder:
        if len(workorders) != 1:
            raise TransientError(self.name, "malformed reply (expected one WorkOrder)")
        return workorders[0]

    def _work_order(self, element: ET.Element) -> LegacyWorkOrder:
        fields = [child_text(element, tag) for tag in ("WorkOrderNumber", "ExternalRef", "Status")]
        if not all(fields):
            raise TransientError(self.name, "malformed WorkOrder in reply")
        return LegacyWorkOrder(*fields)

    def _change(self, element: ET.Element) -> StatusChange:
        fields = [child_text(element, tag) for tag in ("WorkOrderNumber", "ExternalRef", "Status", "ChangedAt")]
        try:
            if not all(fields):
                raise ValueError("missing field")
            changed_at = datetime.fromisoformat(fields[3])
        except ValueError:
            raise TransientError(self.name, "malformed StatusChange in reply") from None
        return self._vocabulary.status_change(*fields[:3], changed_at, child_text(element, "ResolutionCode"))
