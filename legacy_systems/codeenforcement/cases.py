"""The case resources of the Code Enforcement API, and the JSON they are shown as."""
from legacy_systems.common.rules import BusinessRuleError
from legacy_systems.common.server import SimulatorContext
from legacy_systems.common.timestamps import parse_iso, to_iso

SHORT_TEXT = 200


class Conflict(BusinessRuleError):
    """The request clashes with a case as it is (HTTP 409); ``case_id`` names that case."""

    def __init__(self, code: str, reason: str, case_id: str):
        super().__init__(code, reason)
        self.case_id = case_id


class CaseResources:
    """Each method takes the parsed request and returns the JSON answer (or raises BusinessRuleError)."""

    def __init__(self, context: SimulatorContext):
        self._rules = context.rules
        self._store = context.store
        self._faults = context.faults
        self._priorities = context.config["priorities"]

    def open_case(self, body: dict) -> dict:
        """POST /api/v1/cases: a new case; 409 when the external_reference already has one."""
        reference = _text(body, "external_reference", limit=64)
        on_file = self._store.find_by_reference(reference)
        if on_file:
            raise Conflict("DUPLICATE_REFERENCE", f"A case for external_reference {reference} already exists",
                           on_file[0]["legacy_id"])
        priority = body.get("priority") or "routine"
        if priority not in self._priorities:
            raise BusinessRuleError("BAD_FIELD", f"priority must be one of {', '.join(self._priorities)}")
        location = body.get("location") or {}
        if not isinstance(location, dict):
            raise BusinessRuleError("BAD_FIELD", "location must be an object")
        details = {"description": _text(body, "description", limit=4000), "priority": priority,
                   "address": location.get("address") and _text(location, "address", limit=SHORT_TEXT),
                   "lat": _number(location, "latitude"), "long": _number(location, "longitude")}
        return case_json(self._rules.create(reference, _text(body, "case_type", limit=SHORT_TEXT), details))

    def find_cases(self, external_reference: str | None) -> dict:
        """GET /api/v1/cases?external_reference=X: that reference's cases, oldest first."""
        if not external_reference:
            raise BusinessRuleError("MISSING_FIELD", "query parameter external_reference is required")
        return {"cases": [case_json(row) for row in self._store.find_by_reference(external_reference)]}

    def show_case(self, case_id: str) -> dict:
        """GET /api/v1/cases/{id}."""
        row = self._store.get(case_id)
        if row is None:
            raise LookupError(f"No case {case_id}")
        return case_json(row)

    def cancel_case(self, case_id: str, body: dict) -> dict:
        """POST /api/v1/cases/{id}/cancel: withdraw a case; 409 once it is closed."""
        _text(body, "reason", limit=SHORT_TEXT * 2)
        if self._store.get(case_id) is None:
            raise LookupError(f"No case {case_id}")
        try:
            return case_json(self._rules.cancel(case_id))
        except BusinessRuleError as refusal:
            raise Conflict(refusal.code, refusal.reason, case_id) from None

    def changes_since(self, since: str | None) -> dict:
        """GET /api/v1/cases/changes?since=ISO: every status change at or after ``since``, oldest first."""
        try:
            start = to_iso(parse_iso(since or ""))
        except ValueError:
            raise BusinessRuleError("BAD_FIELD", "query parameter since must be an ISO 8601 timestamp") from None
        return {"changes": [change_json(c) for c in self._faults.distort_feed(self._store.changes_between(start))]}


def case_json(row: dict) -> dict:
    """A case as the API shows it."""
    return {"id": row["legacy_id"], "external_reference": row["external_reference"], "case_type": row["category"],
            "status": row["status"], "priority": row["priority"], "description": row["description"],
            "location": {"address": row["address"], "latitude": row["lat"], "longitude": row["long"]},
            "resolution_code": row["resolution"], "created_at": row["created_at"], "updated_at": row["modified_at"]}


def change_json(change: dict) -> dict:
    """A status change as the API and the webhooks show it."""
    return {"sequence": change["history_id"], "case_id": change["legacy_id"],
            "external_reference": change["external_reference"], "status": change["status"],
            "resolution_code": change["resolution"], "changed_at": change["at"]}


def _text(body: dict, field: str, limit: int) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip():
        raise BusinessRuleError("MISSING_FIELD", f"{field} is required")
    if len(value) > limit:
        raise BusinessRuleError("BAD_FIELD", f"{field} is longer than {limit} characters")
    return value.strip()


def _number(body: dict, field: str) -> float | None:
    value = body.get(field)
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        raise BusinessRuleError("BAD_FIELD", f"location.{field} must be a number")
    return None if value is None else float(value)
