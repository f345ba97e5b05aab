"""Requests the rules cannot place wait for a person; these are the reasons why."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class TriageReason(str, Enum):
    """Why a request needs a person (values match RequestNeedsTriage.reason_code)."""
    OUTSIDE_CITY = "OUTSIDE_CITY"
    ADDRESS_UNRESOLVED = "ADDRESS_UNRESOLVED"
    NO_RULE = "NO_RULE"
    WORK_ORDER_FAILED = "WORK_ORDER_FAILED"
    MANUAL = "MANUAL"


@dataclass(frozen=True)
class NeedsTriage:
    """The request waits in the triage queue; `reason` is the human explanation."""
    reason_code: TriageReason
    reason: str
    district: str | None = None
    neighbourhood: str | None = None
