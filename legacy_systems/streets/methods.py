"""The WorkOrder service methods of the Streets simulator, in Cityworks vocabulary."""
from legacy_systems.common.rules import BusinessRuleError
from legacy_systems.common.server import SimulatorContext
from legacy_systems.common.timestamps import parse_iso, to_iso


class WorkOrderMethods:
    """``WorkOrder/<Method>`` handlers: each takes the ``data`` object and returns ``Value``."""

    def __init__(self, context: SimulatorContext):
        self._rules = context.rules
        self._store = context.store
        self._faults = context.faults
        self._priorities = context.config["priorities"]

    def named(self, name: str):
        """The handler for ``Service/Method``, or None."""
        return {"WorkOrder/Create": self.create, "WorkOrder/Search": self.search,
                "WorkOrder/ById": self.by_id, "WorkOrder/Cancel": self.cancel, "WorkOrder/Reopen": self.reopen,
                "WorkOrder/ModifiedSince": self.modified_since}.get(name)

    def create(self, data: dict) -> dict:
        """Open a work order from WOTemplateId, OtherSystemId, Description, Address, X, Y, Priority."""
        other_id, template = _text(data, "OtherSystemId"), _text(data, "WOTemplateId")
        description = _text(data, "Description")
        priority = str(data.get("Priority") or "3")
        if priority not in self._priorities:
            raise BusinessRuleError("BAD_FIELD", f"Priority must be one of {', '.join(self._priorities)}")
        details = {"description": description, "address": data.get("Address"), "priority": priority,
                   "long": _coordinate(data, "X"), "lat": _coordinate(data, "Y")}
        with self._faults.held_write():
            return _work_order(self._rules.create(other_id, template, details))

    def search(self, data: dict) -> list[str]:
        """WorkOrderIds whose OtherSystemId matches, oldest first."""
        return [row["legacy_id"] for row in self._store.find_by_reference(_text(data, "OtherSystemId"))]

    def by_id(self, data: dict) -> dict:
        """One work order by WorkOrderId."""
        legacy_id = _text(data, "WorkOrderId")
        workorder = self._store.get(legacy_id)
        if workorder is None:
            raise BusinessRuleError("NOT_FOUND", f"No work order {legacy_id}")
        return _work_order(workorder)

    def cancel(self, data: dict) -> list[dict]:
        """Cancel every work order in WorkOrderIds (all checked before any is cancelled)."""
        ids = data.get("WorkOrderIds")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            raise BusinessRuleError("BAD_FIELD", "WorkOrderIds must be a non-empty list of ids")
        _text(data, "CancelReason")
        for legacy_id in ids:
            self._rules.check_cancellable(legacy_id)
        with self._faults.held_write():
            return [_work_order(self._rules.cancel(legacy_id)) for legacy_id in ids]

    def reopen(self, data: dict) -> dict:
        """Reopen the completed work order WorkOrderId (ReopenReason required): back to OPEN; one already open
        is answered as it is (asking twice reopens once), a cancelled one is refused."""
        legacy_id = _text(data, "WorkOrderId")
        _text(data, "ReopenReason")
        with self._faults.held_write():
            return _work_order(self._rules.reopen(legacy_id))

    def modified_since(self, data: dict) -> list[dict]:
        """Status changes recorded at or after ``since`` (ISO 8601), oldest first."""
        try:
            since = to_iso(parse_iso(_text(data, "since")))
        except ValueError:
            raise BusinessRuleError("BAD_FIELD", "since must be an ISO 8601 timestamp") from None
        changes = self._faults.distort_feed(self._store.changes_between(since))
        return [{"HistoryId": c["history_id"], "WorkOrderId": c["legacy_id"], "OtherSystemId": c["external_reference"],
                 "Status": c["status"], "ResolutionCode": c["resolution"], "DateModified": c["at"]} for c in changes]


def _work_order(row: dict) -> dict:
    return {"WorkOrderId": row["legacy_id"], "OtherSystemId": row["external_reference"],
            "WOTemplateId": row["category"], "Description": row["description"], "Address": row["address"],
            "X": row["long"], "Y": row["lat"], "Priority": row["priority"], "Status": row["status"],
            "ResolutionCode": row["resolution"], "DateCreated": row["created_at"], "DateModified": row["modified_at"]}


def _text(data: dict, field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise BusinessRuleError("BAD_FIELD", f"{field} is required")
    return value.strip()


def _coordinate(data: dict, field: str) -> float | None:
    value = data.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BusinessRuleError("BAD_FIELD", f"{field} must be a number")
    return float(value)
