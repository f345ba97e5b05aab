"""The one timestamp format every simulator stores and shows.

ISO 8601 in UTC with milliseconds and a trailing Z: fixed width, so stored
timestamps compare correctly as plain text in SQL.
"""
from datetime import datetime, timezone


def utc_now() -> datetime:
    """The current moment, timezone-aware UTC."""
    return datetime.now(timezone.utc)


def to_iso(moment: datetime) -> str:
    """Format as ``2026-03-01T14:05:09.123Z``."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """Parse an ISO 8601 timestamp; a naive one is taken as UTC. Raises ValueError."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)
