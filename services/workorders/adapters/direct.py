"""Direct events: a modern department system takes its work orders from the bus and reports status back on it.

create() publishes DepartmentWorkOrderRouted to `departments` (key
`department.<code>.routed`). Its work order id, and so its message_id, comes
from our tracking id: a resend after a crash is the same message, which the
department takes once. The id is journalled once the broker confirmed it, and
find_by_reference() answers from the journal. cancel() (and merge_duplicate(),
reopen()) publish the department's other events. fetch_changes() takes the
department's status reports off `departments.status.<code>` into the journal
(workorders' own database, direct_journal.py; one that breaks the contract is dead-lettered with the reason) and returns
those after the cursor, so a report taken but not yet applied comes back on
the next call; change ids are derived from the department's update ids.
Contracts: shared/events/departments.py; the whole story: docs/bus.md.
"""
import hashlib
import json
import logging
from datetime import datetime, timedelta, timezone

from shared.events.catalog import MESSAGES

from .base import LegacyWorkOrder, PermanentError, StatusChange, WorkOrderRequest
from .cursors import read_cursor, write_cursor
from .direct_bus import DepartmentBus
from .direct_journal import DirectJournal, StatusReport
from .vocabulary import to_milliseconds

log = logging.getLogger(__name__)
STATUS_REPORT = MESSAGES[("DepartmentStatusReport", 1)]
STATUS_TYPE = "department.status.v1"


def from_config(system: str, config: dict) -> "DirectEventsClient":
    """Build from the merged ``deploy/workorder_systems/<system>.yaml`` configuration; the journal lives in the
    database at ``journal_database_url`` (the workorders service passes its own DATABASE_URL)."""
    department = config["department"]
    bus = DepartmentBus(system, config["amqp_uri"], department, float(config["connect_timeout_seconds"]),
                        int(config["delivery_limit"]), config["dead_letter_queue"])
    journal = DirectJournal(system, config["journal_database_url"],
                            timedelta(days=float(config["journal_retention_days"])))
    return DirectEventsClient(system, department, bus, journal, int(config["max_reports_per_fetch"]))


class DirectEventsClient:
    """WorkOrderSystemClient for a department that subscribes to its own events."""

    can_reopen = True   # DepartmentWorkOrderReopened

    def __init__(self, name: str, department: str, bus: DepartmentBus, journal: DirectJournal, batch: int):
        self.name = name
        self.department = department
        self._bus = bus
        self._journal = journal
        self._batch = batch

    def find_by_reference(self, external_reference: str) -> LegacyWorkOrder | None:
        """The work order the department was sent for our tracking id (and not cancelled since)."""
        work_order_id = self._journal.open_order(external_reference)
        return LegacyWorkOrder(work_order_id, external_reference, "routed") if work_order_id else None

    def create(self, request: WorkOrderRequest) -> LegacyWorkOrder:
        """Send the work order; a resend before it was journalled has the same id and message_id."""
        reference = request.service_request_id
        generation = self._journal.last_generation(reference) + 1
        work_order_id = f"{self.department}:{reference}:{generation}"
        self._send("Routed", work_order_id, reference, f"{work_order_id}:routed", service_code=request.service_code,
                   description=request.description or "", address=request.address, lat=request.lat,
                   long=request.long, priority=request.priority)
        self._journal.record_order(work_order_id, reference, generation)
        return LegacyWorkOrder(work_order_id, reference, "routed")

    def cancel(self, legacy_id: str, reason: str) -> bool:
        """Tell the department the work order is withdrawn; False for a work order this journal never sent."""
        reference = self._journal.reference_of(legacy_id)
        if reference is None:
            log.warning("%s: cannot cancel %s: not in the journal", self.name, legacy_id)
            return False
        self._send("Cancelled", legacy_id, reference, f"{legacy_id}:cancelled", reason=reason)
        self._journal.set_state(legacy_id, "cancelled")
        return True

    def merge_duplicate(self, legacy_id: str, duplicate_request_id: str) -> None:
        """Tell the department another report joined this work order."""
        reference = self._journal.reference_of(legacy_id) or _unknown(self.name, legacy_id)
        self._send("Merged", legacy_id, reference, f"{legacy_id}:merged:{duplicate_request_id}",
                   duplicate_request_id=duplicate_request_id)

    def reopen(self, legacy_id: str, reason: str, reopen_id: str) -> None:
        """Tell the department a closed work order is open again; `reopen_id` makes a resend the same message."""
        reference = self._journal.reference_of(legacy_id) or _unknown(self.name, legacy_id)
        self._send("Reopened", legacy_id, reference, f"{legacy_id}:reopened:{reopen_id}", reason=reason)
        self._journal.set_state(legacy_id, "open")

    def fetch_changes(self, cursor: str | None) -> tuple[list[StatusChange], str]:
        """Status reports kept after the cursor (at most max_reports_per_fetch), oldest change first."""
        self._bus.take(self._keep, self._batch)
        self._journal.prune()
        journal, fields = self._journal.identity(), read_cursor(self.name, cursor)
        last = fields.get("seq") if fields.get("journal") == journal else None
        if not isinstance(last, int):
            if cursor is not None:
                log.warning("%s: cursor %r does not belong to this journal; reading it from the start", self.name, cursor)
            last = 0
        kept = self._journal.reports_after(last, self._batch)
        changes = sorted((self._change(report) for _, report in kept), key=lambda c: c.changed_at)
        return changes, write_cursor(journal=journal, seq=kept[-1][0] if kept else last)

    def _send(self, event: str, work_order_id: str, reference: str, message_id: str, **fields) -> None:
        contract = MESSAGES[(f"DepartmentWorkOrder{event}", 1)]
        body = {"work_order_id": work_order_id, "service_request_id": reference, "department": self.department,
                "sent_at": datetime.now(timezone.utc).isoformat(), **fields}
        errors = contract.schema.validate(body)
        if errors:
            raise PermanentError(self.name, f"{contract.name} would break its contract: {errors}")
        self._bus.publish(contract.routing_key.format(code=self.department), body, message_id,
                          f"department.{event.lower()}.v{contract.version}", reference)

    def _keep(self, message) -> str | None:
        """Journal one status report; the reason it cannot be used otherwise."""
        kind = message.properties.get("type") or STATUS_TYPE
        if kind != STATUS_TYPE:
            return f"type {kind!r} is not {STATUS_TYPE!r}"
        try:
            report = json.loads(message.body)
        except (ValueError, UnicodeDecodeError) as error:
            return f"not JSON: {error}"
        errors = STATUS_REPORT.schema.validate(report) if isinstance(report, dict) else {"_schema": ["not an object"]}
        if errors:
            return f"breaks DepartmentStatusReport v1: {errors}"
        if report["department"] != self.department:
            return f"a report of {report['department']} on the status queue of {self.department}"
        self._journal.record_report(StatusReport(report["update_id"], report["work_order_id"],
                                                 report["service_request_id"], report["status"],
                                                 report["changed_at"], report.get("resolution")))
        return None

    def _change(self, report: StatusReport) -> StatusChange:
        return StatusChange(change_id=change_id(self.name, self.department, report.update_id),
                            legacy_id=report.work_order_id, external_reference=report.reference,
                            legacy_status=report.status, status=report.status, resolution=report.resolution,
                            changed_at=to_milliseconds(datetime.fromisoformat(report.changed_at)))


def change_id(system: str, department: str, update_id: str) -> str:
    """The same id for the same department update, however often it is reported."""
    digest = hashlib.sha256(f"{department}\x1f{update_id}".encode()).hexdigest()
    return f"{system}:{digest[:32]}"


def _unknown(system: str, legacy_id: str):
    raise PermanentError(system, f"work order {legacy_id} is not in this system's journal")
