"""Departments, their work-order systems and their opening hours (departments.yaml)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from services.routing.domain.config_file import Entry, load_yaml

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class OpeningHours:
    """When a department works on a given weekday (local wall-clock times)."""
    open: dt.time
    close: dt.time


@dataclass(frozen=True)
class Department:
    """A city department and the legacy work-order system that receives its work."""
    code: str
    name: str
    work_order_system: str
    hours: dict[int, OpeningHours]  # weekday (Monday = 0) -> hours; absent = closed
    days_off: frozenset[dt.date]


def load_departments(path: Path) -> dict[str, Department]:
    """Read departments.yaml into departments keyed by code."""
    root = load_yaml(path)
    departments: dict[str, Department] = {}
    for entry in root.entries("departments"):
        department = _department(entry)
        if department.code in departments:
            entry.fail(f"duplicate department code '{department.code}'", "code")
        departments[department.code] = department
    if not departments:
        root.fail("no departments defined", "departments")
    return departments


def _department(entry: Entry) -> Department:
    entry.only("code", "name", "work_order_system", "business_hours", "days_off")
    return Department(
        code=entry.require("code"),
        name=entry.require("name"),
        work_order_system=entry.require("work_order_system"),
        hours=_opening_hours(entry),
        days_off=frozenset(parse_dates(entry, "days_off")),
    )


def _opening_hours(entry: Entry) -> dict[int, OpeningHours]:
    spec = entry.require("business_hours", (Entry, list))
    blocks = spec if isinstance(spec, list) else [spec]
    hours: dict[int, OpeningHours] = {}
    for block in blocks:
        if not isinstance(block, Entry):
            entry.fail("each business_hours block must be a mapping", "business_hours")
        block.only("days", "open", "close")
        window = OpeningHours(parse_clock(block, "open"), parse_clock(block, "close"))
        if window.close <= window.open:
            block.fail(f"bad business hours: close {window.close:%H:%M} is not after open "
                       f"{window.open:%H:%M}", "close")
        for day in block.require("days", list):
            if day not in WEEKDAYS:
                block.fail(f"unknown weekday '{day}' (use {', '.join(WEEKDAYS)})", "days")
            if WEEKDAYS.index(day) in hours:
                block.fail(f"weekday '{day}' has business hours twice", "days")
            hours[WEEKDAYS.index(day)] = window
    if not hours:
        entry.fail("business_hours open on no day", "business_hours")
    return hours


def parse_clock(entry: Entry, key: str) -> dt.time:
    """A quoted "HH:MM" wall-clock time."""
    value = entry.require(key, (str, int))
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        entry.fail(f"bad time {value!r} for '{key}': write it as a quoted \"HH:MM\" "
                   "(unquoted 17:00 is read by YAML as the number 1020)", key)
    return dt.time(int(match.group(1)), int(match.group(2)))


def parse_dates(entry: Entry, key: str) -> list[dt.date]:
    """An optional list of ISO dates (YYYY-MM-DD)."""
    dates = []
    for value in entry.optional(key, list, []):
        try:
            dates.append(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError:
            entry.fail(f"bad date {value!r} in '{key}': use YYYY-MM-DD", key)
    return dates
