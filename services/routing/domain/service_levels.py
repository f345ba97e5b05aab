"""Service-level specs: how long a department has to act on a request."""
from __future__ import annotations

from dataclasses import dataclass

from services.routing.domain.config_file import Entry

UNITS = ("business_hours", "business_days", "calendar_hours")


@dataclass(frozen=True)
class ServiceLevel:
    """`amount` units, where the unit is business_hours, business_days or calendar_hours."""
    unit: str
    amount: int

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"unknown service-level unit '{self.unit}'")
        if self.amount < 1:
            raise ValueError("a service level must be at least 1")

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.replace('_', ' ')}"


def parse_service_level(owner: Entry, key: str = "service_level") -> ServiceLevel:
    """Parse `{business_hours: N}`, `{business_days: N}` or `{calendar_hours: N}`."""
    spec = owner.require(key, Entry)
    if len(spec.values) != 1:
        owner.fail(f"bad service-level spec: give exactly one of {', '.join(UNITS)}", key)
    (unit, amount), = spec.values.items()
    if unit not in UNITS:
        owner.fail(f"bad service-level spec: unknown unit '{unit}' (use {', '.join(UNITS)})", key)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        owner.fail(f"bad service-level spec: {unit} must be a whole number of at least 1, "
                   f"got {amount!r}", key)
    return ServiceLevel(unit, amount)
