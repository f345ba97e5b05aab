"""Business rules every simulated system enforces the same way, whatever its protocol."""
from .storage import WorkOrderStore
from .workflow import Workflow


class BusinessRuleError(Exception):
    """The system refuses the request; ``code`` is machine-readable, ``reason`` is for people."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class WorkOrderRules:
    """Creation and cancellation with the checks a department system applies."""

    def __init__(self, store: WorkOrderStore, workflow: Workflow, categories: dict):
        self.store = store
        self.workflow = workflow
        self.categories = categories

    def check_category(self, category: str) -> None:
        """Raise BusinessRuleError unless ``category`` is one of the system's own codes."""
        if category not in self.categories:
            known = ", ".join(sorted(self.categories))
            raise BusinessRuleError("UNKNOWN_CATEGORY", f"Unknown category '{category}' (known: {known})")

    def create(self, external_reference: str, category: str, details: dict) -> dict:
        """Open a new work order in the system's initial status."""
        self.check_category(category)
        return self.store.create(external_reference, category, details, self.workflow.initial)

    def check_cancellable(self, legacy_id: str) -> dict:
        """The work order, if it exists and can still be cancelled; else BusinessRuleError."""
        workorder = self.store.get(legacy_id)
        if workorder is None:
            raise BusinessRuleError("NOT_FOUND", f"No work order {legacy_id}")
        if workorder["status"] == self.workflow.completed:
            raise BusinessRuleError("NOT_CANCELLABLE",
                                    f"Work order {legacy_id} is {workorder['status']} and can no longer be cancelled")
        return workorder

    def cancel(self, legacy_id: str) -> dict:
        """Cancel a work order; cancelling an already cancelled one changes nothing."""
        workorder = self.check_cancellable(legacy_id)
        if workorder["status"] == self.workflow.cancelled:
            return workorder
        return self.store.set_status(legacy_id, self.workflow.cancelled)

    def reopen(self, legacy_id: str) -> dict:
        """Open a completed work order again (back to the initial status, a new history entry); one that is open
        already is left as it is, so a reopen asked twice reopens once. A cancelled one cannot be reopened."""
        workorder = self.store.get(legacy_id)
        if workorder is None:
            raise BusinessRuleError("NOT_FOUND", f"No work order {legacy_id}")
        if workorder["status"] == self.workflow.cancelled:
            raise BusinessRuleError("NOT_REOPENABLE", f"Work order {legacy_id} is cancelled and cannot be reopened")
        if workorder["status"] != self.workflow.completed:
            return workorder
        return self.store.set_status(legacy_id, self.workflow.initial)
