"""Public Works – Streets: a Cityworks-style JSON RPC work-order system.

Status changes come from ``WorkOrder/ModifiedSince``; the cursor is the newest
change time seen minus a safety margin, so every poll overlaps the last one.
"""
import logging
from datetime import datetime, timedelta, timezone

from .base import LegacyWorkOrder, StatusChange, TransientError, WorkOrderRequest
from .cityworks_session import CityworksSession
from .cursors import read_time, write_cursor
from .http_transport import HttpTransport
from .settling import Settling
from .vocabulary import SystemVocabulary

log = logging.getLogger(__name__)


def from_config(system: str, config: dict) -> "CityworksClient":
    """Build from the merged ``deploy/workorder_systems/<system>.yaml`` configuration."""
    transport = HttpTransport(system, config["url"], float(config["timeout_seconds"]))
    return CityworksClient(system, CityworksSession(system, transport, config["username"], config["password"]),
                           SystemVocabulary.from_config(system, config),
                           overlap=timedelta(seconds=float(config["overlap_seconds"])),
                           lookback=timedelta(seconds=float(config["initial_lookback_seconds"])),
                           settling=Settling.from_config(config))


class CityworksClient:
    """WorkOrderSystemClient for a Cityworks-style system."""

    can_reopen = True   # WorkOrder/Reopen

    def __init__(self, name: str, session: CityworksSession, vocabulary: SystemVocabulary,
                 overlap: timedelta, lookback: timedelta, settling: Settling = Settling()):
        self.name = name
        self._session = session
        self._vocabulary = vocabulary
        self._overlap = overlap
        self._lookback = lookback
        self._settling = settling

    def find_by_reference(self, external_reference: str) -> LegacyWorkOrder | None:
        """Search by OtherSystemId, then read the oldest match."""
        ids = self._session.call("WorkOrder/Search", {"OtherSystemId": external_reference})
        if not isinstance(ids, list):
            raise TransientError(self.name, "WorkOrder/Search: malformed reply (Value is not a list)")
        if len(ids) > 1:
            log.warning("%s: %d work orders carry reference %s; using %s", self.name, len(ids), external_reference, ids[0])
        return self._work_order(self._session.call("WorkOrder/ById", {"WorkOrderId": ids[0]})) if ids else None

    def create(self, request: WorkOrderRequest) -> LegacyWorkOrder:
        """WorkOrder/Create with OtherSystemId = our tracking id; without an answer, waits for it to settle."""
        data = {"OtherSystemId": request.service_request_id,
                "WOTemplateId": self._vocabulary.category_for(request.service_code),
                "Priority": self._vocabulary.priority_for(request.priority), "Description": request.description,
                "Address": request.address, "X": request.long, "Y": request.lat}
        return self._settling.create(lambda: self._work_order(self._session.call("WorkOrder/Create", data)),
                                     lambda: self.find_by_reference(request.service_request_id))

    def cancel(self, legacy_id: str, reason: str) -> bool:
        """WorkOrder/Cancel; PermanentError if the system refuses (e.g. already complete)."""
        self._session.call("WorkOrder/Cancel", {"WorkOrderIds": [legacy_id], "CancelReason": reason})
        return True

    def reopen(self, legacy_id: str, reason: str, reopen_id: str) -> None:
        """WorkOrder/Reopen: a completed work order back to OPEN; the system reopens one asked twice once (a work
        order not completed is left as it is), so `reopen_id` is not sent. PermanentError if it refuses."""
        self._session.call("WorkOrder/Reopen", {"WorkOrderId": legacy_id, "ReopenReason": reason})

    def fetch_changes(self, cursor: str | None) -> tuple[list[StatusChange], str]:
        """Changes since the cursor's time (or the initial lookback), oldest first."""
        since = self._since(cursor)
        records = self._session.call("WorkOrder/ModifiedSince", {"since": since.isoformat()})
        if not isinstance(records, list):
            raise TransientError(self.name, "WorkOrder/ModifiedSince: malformed reply (Value is not a list)")
        seen = [self._change(record) for record in records]
        newest = max((change.changed_at for change in seen), default=since)
        changes = sorted((c for c in seen if self._vocabulary.is_reported(c.legacy_status)), key=lambda c: c.changed_at)
        return changes, write_cursor(since=max(since, newest - self._overlap).isoformat())

    def _since(self, cursor: str | None) -> datetime:
        return read_time(self.name, cursor, "since") or datetime.now(timezone.utc) - self._lookback

    def _work_order(self, value) -> LegacyWorkOrder:
        try:
            return LegacyWorkOrder(legacy_id=str(value["WorkOrderId"]), external_reference=str(value["OtherSystemId"]),
                                   legacy_status=str(value["Status"]))
        except (TypeError, KeyError):
            raise TransientError(self.name, "malformed work order in reply") from None

    def _change(self, record) -> StatusChange:
        try:
            changed_at = datetime.fromisoformat(record["DateModified"])
            return self._vocabulary.status_change(str(record["WorkOrderId"]), str(record["OtherSystemId"]),
                                                  str(record["Status"]), changed_at, record.get("ResolutionCode"))
        except (TypeError, KeyError, ValueError, AttributeError):
            raise TransientError(self.name, f"malformed status change in reply: {record!r:.200}") from None
