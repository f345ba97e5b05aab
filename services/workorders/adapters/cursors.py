"""Polling cursors: small JSON documents the caller stores as opaque text."""
import json
import logging
from datetime import datetime, timedelta, timezone

log = logging.getLogger(__name__)


def read_cursor(system: str, cursor: str | None) -> dict:
    """The cursor's fields; {} for None, and for an unreadable cursor (logged: polling starts over)."""
    if cursor is None:
        return {}
    try:
        fields = json.loads(cursor)
    except ValueError:
        fields = None
    if not isinstance(fields, dict):
        log.warning("%s: unreadable cursor %r; starting from the initial lookback", system, cursor)
        return {}
    return fields


def write_cursor(**fields) -> str:
    """The text to persist."""
    return json.dumps(fields, sort_keys=True)


def read_time(system: str, cursor: str | None, key: str) -> datetime | None:
    """A timezone-aware time stored in the cursor under ``key``; None if absent or unreadable (logged)."""
    text = read_cursor(system, cursor).get(key)
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        log.warning("%s: bad time in cursor %r; starting from the initial lookback", system, cursor)
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def since_time(system: str, cursor: str | None, lookback: timedelta) -> datetime:
    """Where a time-window poll starts: the cursor's ``since``, else ``lookback`` before now."""
    return read_time(system, cursor, "since") or datetime.now(timezone.utc) - lookback


def next_since(since: datetime, changed_at: list[datetime], overlap: timedelta) -> str:
    """The cursor after a poll: ``overlap`` before the newest change seen (never before ``since``)."""
    newest = max(changed_at, default=since)
    return write_cursor(since=max(since, newest - overlap).isoformat())
