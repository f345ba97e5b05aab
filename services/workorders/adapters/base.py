"""The one interface every department work-order system client implements.

Plain Python: no nameko, no messaging. The workorders service calls these
methods; each adapter module translates them into its system's protocol.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

OUR_STATUSES = frozenset({"assigned", "in_progress", "on_hold", "closed", "cancelled", "unknown"})
PRIORITIES = frozenset({"emergency", "high", "normal", "low"})


@dataclass(frozen=True)
class WorkOrderRequest:
    """What we send: a routed service request to become a work order."""

    service_request_id: str      # our tracking id = the external reference
    service_code: str            # ours; mapped to the system's category via config
    description: str
    address: str | None
    lat: float | None
    long: float | None
    priority: str                # "emergency" | "high" | "normal" | "low"


@dataclass(frozen=True)
class LegacyWorkOrder:
    """A work order as the department system knows it."""

    legacy_id: str
    external_reference: str
    legacy_status: str


@dataclass(frozen=True)
class StatusChange:
    """One status change reported by a system, translated into our vocabulary."""

    change_id: str               # deterministic: the same change seen twice has the same id
    legacy_id: str
    external_reference: str
    legacy_status: str           # their code, kept verbatim
    status: str                  # ours: one of OUR_STATUSES
    resolution: str | None       # plain words, e.g. "Pothole filled"
    changed_at: datetime         # timezone-aware UTC


class WorkOrderSystemError(Exception):
    """A call to a department system failed; ``reason`` is readable by an operator."""

    def __init__(self, system: str, reason: str):
        super().__init__(f"{system}: {reason}")
        self.system = system
        self.reason = reason


class TransientError(WorkOrderSystemError):
    """Try again later: down, timeout, 5xx, malformed reply, login trouble.

    The request may or may not have taken effect: look it up by reference
    before retrying a create.
    """


class NoAnswer(TransientError):
    """The system took the request and did not answer in time: it may still take effect, later."""


class PermanentError(WorkOrderSystemError):
    """The system refused the request (business rule, bad data); retrying the same request fails again."""


class WorkOrderSystemClient(Protocol):
    """What the workorders service needs from any department system.

    A system whose interface can reopen a closed work order sets ``can_reopen = True`` and implements
    ``reopen``; for the others (no ``can_reopen``, or False) a reopened request gets a new work order.
    """

    name: str
    can_reopen: bool

    def find_by_reference(self, external_reference: str) -> LegacyWorkOrder | None:
        """The work order created for our tracking id, or None."""

    def create(self, request: WorkOrderRequest) -> LegacyWorkOrder:
        """Create a work order; raises TransientError or PermanentError."""

    def cancel(self, legacy_id: str, reason: str) -> bool:
        """Cancel a work order; False if the system cannot cancel through its interface."""

    def reopen(self, legacy_id: str, reason: str, reopen_id: str) -> None:
        """Reopen a closed work order (only when ``can_reopen``); ``reopen_id`` is the same for a repeat of the same
        reopen, so asking twice reopens once. Raises TransientError or PermanentError."""

    def fetch_changes(self, cursor: str | None) -> tuple[list[StatusChange], str]:
        """Status changes since ``cursor`` (opaque text we persist; None = start), and the next cursor.

        Windows overlap: the same change may come back on later calls with the
        same ``change_id``; dropping repeats is the caller's job.
        """
