"""Our words against one system's codes: categories, priorities, statuses, resolutions.

Built from the system's ``deploy/workorder_systems/<name>.yaml``; the adapters
only ever translate through it.
"""
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from .base import OUR_STATUSES, PRIORITIES, PermanentError, StatusChange

log = logging.getLogger(__name__)
# What the public record and the open-data export say for a resolution code the system's table lacks:
# the raw code is the department's text, not ours to publish (it could be anything, a formula included).
UNKNOWN_RESOLUTION = "Closed by the department."


@dataclass(frozen=True)
class SystemVocabulary:
    """Translation tables of one department system."""

    system: str
    categories: dict[str, str]       # our service code -> their category
    priorities: dict[str, str]       # our priority -> theirs
    statuses: dict[str, str]         # their status -> ours
    not_reported: frozenset[str]     # their statuses that are not changes for us (the creation itself)
    resolutions: dict[str, str]      # their resolution code -> plain words

    @classmethod
    def from_config(cls, system: str, config: dict) -> "SystemVocabulary":
        """Read the tables; a table that breaks our vocabulary is a ValueError (bad deployment)."""
        statuses = {str(code): ours for code, ours in config["status_map"].items()}
        if not set(statuses.values()) <= OUR_STATUSES:
            raise ValueError(f"{system}: status_map values must be among {sorted(OUR_STATUSES)}")
        priorities = {ours: str(theirs) for ours, theirs in config["priority_map"].items()}
        if set(priorities) != PRIORITIES:
            raise ValueError(f"{system}: priority_map must map exactly {sorted(PRIORITIES)}")
        return cls(system=system, categories={k: str(v) for k, v in config["category_map"].items()},
                   priorities=priorities, statuses=statuses,
                   not_reported=frozenset(str(code) for code in config.get("not_reported", [])),
                   resolutions={str(k): v for k, v in config.get("resolutions", {}).items()})

    def category_for(self, service_code: str) -> str:
        """Their category for our service code; PermanentError when this system does not handle it."""
        try:
            return self.categories[service_code]
        except KeyError:
            raise PermanentError(self.system, f"no {self.system} category for service code {service_code}") from None

    def priority_for(self, priority: str) -> str:
        """Their priority code for ours; PermanentError for a priority we do not have."""
        try:
            return self.priorities[priority]
        except KeyError:
            raise PermanentError(self.system, f"unknown priority {priority!r}") from None

    def is_reported(self, legacy_status: str) -> bool:
        """False for statuses that are not a change for us (e.g. the initial status create() already reported)."""
        return legacy_status not in self.not_reported

    def status_change(self, legacy_id: str, external_reference: str, legacy_status: str,
                      changed_at: datetime, resolution_code: str | None) -> StatusChange:
        """A StatusChange in our words; an unknown status becomes "unknown", never an error."""
        status = self.statuses.get(legacy_status, "unknown")
        if legacy_status not in self.statuses and self.is_reported(legacy_status):
            log.warning("%s: unknown status code %r on %s kept as 'unknown'", self.system, legacy_status, legacy_id)
        moment = to_milliseconds(changed_at)
        resolution = self.resolution_words(legacy_id, resolution_code) if resolution_code else None
        return StatusChange(change_id=change_id(self.system, legacy_id, legacy_status, moment), legacy_id=legacy_id,
                            external_reference=external_reference, legacy_status=legacy_status, status=status,
                            resolution=resolution, changed_at=moment)

    def resolution_words(self, legacy_id: str, resolution_code: str) -> str:
        """Plain words for a resolution code; UNKNOWN_RESOLUTION (and a warning) for a code not in the table."""
        if resolution_code in self.resolutions:
            return self.resolutions[resolution_code]
        log.warning("%s: unknown resolution code %r on %s published as %r", self.system,
                    str(resolution_code)[:80], legacy_id, UNKNOWN_RESOLUTION)
        return UNKNOWN_RESOLUTION


def to_milliseconds(moment: datetime) -> datetime:
    """UTC, cut to whole milliseconds (the precision every system reports)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def change_id(system: str, legacy_id: str, legacy_status: str, changed_at: datetime) -> str:
    """The same id for the same change however often and in whatever format it is reported."""
    moment = to_milliseconds(changed_at).isoformat(timespec="milliseconds")
    digest = hashlib.sha256("\x1f".join((system, legacy_id, legacy_status, moment)).encode()).hexdigest()
    return f"{system}:{digest[:32]}"
