"""A whole jurisdiction folder (see deploy/jurisdictions/FORMAT.md), loaded and cross-checked."""
from __future__ import annotations

import datetime as dt
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from services.routing.domain.business_calendar import BusinessCalendar
from services.routing.domain.catalog import ServiceType, load_catalog
from services.routing.domain.config_file import Entry, load_yaml
from services.routing.domain.departments import Department, load_departments, parse_dates
from services.routing.domain.duplicates import DuplicatePolicies, parse_duplicate_policies
from services.routing.domain.gazetteer import Gazetteer, load_gazetteer
from services.routing.domain.geography import AREA_KINDS, Geography, load_geography
from services.routing.domain.rules import RuleBook, parse_rulebook


@dataclass(frozen=True)
class Jurisdiction:
    """Everything routing knows about one city."""
    jurisdiction_id: str
    name: str
    timezone: ZoneInfo
    sample_data: bool
    api_keys: dict[str, str]  # key -> client application
    departments: dict[str, Department]
    services: dict[str, ServiceType]
    rulebook: RuleBook
    duplicate_policies: DuplicatePolicies
    geography: Geography
    gazetteer: Gazetteer
    calendars: dict[str, BusinessCalendar]  # department code -> its calendar
    reopen_on_not_fixed: bool = False       # a resident's "not fixed" survey answer reopens the request itself


def load_jurisdiction(folder: Path | str) -> Jurisdiction:
    """Load and validate every file of a jurisdiction folder.

    Raises ConfigurationError naming the file, the line and the problem.
    """
    folder = Path(folder)
    header = load_yaml(folder / "jurisdiction.yaml").only(
        "jurisdiction_id", "name", "timezone", "country", "sample_data", "public_holidays",
        "city_days_off", "api_keys", "reopen_on_not_fixed")
    timezone = _timezone(header)
    departments = load_departments(folder / "departments.yaml")
    services = load_catalog(folder / "services.yaml", set(departments))
    geography = load_geography(folder)
    rules_root = load_yaml(folder / "routing_rules.yaml")
    area_codes = {kind: geography.codes(kind) for kind in AREA_KINDS}
    public_holidays = _public_holidays(header)
    city_days_off = frozenset(parse_dates(header, "city_days_off"))
    return Jurisdiction(
        jurisdiction_id=header.require("jurisdiction_id"), name=header.require("name"),
        timezone=timezone, sample_data=header.optional("sample_data", bool, False),
        api_keys=_api_keys(header), departments=departments, services=services,
        rulebook=parse_rulebook(rules_root, services, departments, area_codes),
        duplicate_policies=parse_duplicate_policies(rules_root, services),
        geography=geography, gazetteer=load_gazetteer(folder / "gazetteer.csv"),
        calendars={code: BusinessCalendar(timezone, department.hours, public_holidays,
                                          city_days_off | department.days_off)
                   for code, department in departments.items()},
        reopen_on_not_fixed=header.optional("reopen_on_not_fixed", bool, False))


def _timezone(header: Entry) -> ZoneInfo:
    name = header.require("timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        header.fail(f"unknown time zone '{name}'", "timezone")


def _public_holidays(header: Entry) -> Container[dt.date]:
    spec = header.optional("public_holidays", Entry)
    if spec is None:
        return frozenset()
    spec.only("country", "subdivision")
    country, subdivision = spec.require("country"), spec.optional("subdivision", str)
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError as error:
        spec.fail(f"unknown public holiday calendar: {error}", "country")


def _api_keys(header: Entry) -> dict[str, str]:
    keys: dict[str, str] = {}
    for entry in header.entries("api_keys", required=False):
        key = entry.only("key", "application").require("key")
        if key in keys:
            entry.fail(f"duplicate api key '{key}'", "key")
        keys[key] = entry.require("application")
    return keys
