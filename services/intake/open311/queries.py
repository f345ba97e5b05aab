"""GET requests: query parameters into a RequestQuery the store can run.

Spec rules: `service_request_id` (comma list) overrides every other filter;
without dates the window is the most recent 90 days and may not span more
(see time_windows.py for one-ended windows); at most 1,000 requests come back. Extensions, as other GeoReport v2 servers
implement them: `page` / `page_size` (default and maximum 1,000, so a client
that knows nothing of paging gets what the spec promises), `updated_after` /
`updated_before`, `lat` / `long` / `radius` (metres) and `extensions=true`.
"""
from dataclasses import dataclass
from datetime import timezone

from services.intake.open311.errors import ErrorCollector, Open311Error, quote
from services.intake.open311.location import parse_coordinates
from services.intake.open311.params import list_values, single_value
from services.intake.open311.rendering import STATUSES
from services.intake.open311.time_windows import TimeWindow, requested_window, updated_window

MAX_PAGE_SIZE = 1_000
MAX_PAGE = 1_000_000
MAX_LISTED = 1_000
DEFAULT_RADIUS_METRES = 1_000
MAX_RADIUS_METRES = 20_000
_FLAGS = {"true": True, "1": True, "false": False, "0": False}


@dataclass(frozen=True)
class Area:
    """A circle around a point: requests within `radius_metres` of lat/long."""

    lat: float
    long: float
    radius_metres: int


@dataclass(frozen=True)
class RequestQuery:
    """What GET requests asks for. Empty tuples and None mean "no filter"."""

    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    requested: TimeWindow | None = None
    updated: TimeWindow | None = None
    area: Area | None = None
    page: int = 1
    page_size: int = MAX_PAGE_SIZE
    extensions: bool = False

    @property
    def offset(self):
        """How many matching requests come before this page (order: requested_datetime)."""
        return (self.page - 1) * self.page_size


def parse_request_query(params, now, default_tz=timezone.utc):
    """Read GET requests parameters into a RequestQuery; `now` is an aware datetime.

    The requested_datetime window (start_date/end_date) defaults to the 90 days
    before `now`; start_date alone runs to `now`, end_date alone 90 days back.
    Given only updated_after/updated_before, that window replaces it, of any
    span (updated_after alone runs to `now`); see time_windows.py.
    Dates without an offset are read in `default_tz`. Raises Open311Error 400
    listing every bad parameter.
    """
    problems = ErrorCollector()
    extensions = problems.check(flag, params, "extensions")
    ids = problems.check(_listed, params, "service_request_id")
    if ids:
        problems.raise_if_any()
        return RequestQuery(service_request_ids=ids, page_size=len(ids), extensions=extensions)
    query = RequestQuery(
        service_codes=problems.check(_listed, params, "service_code"),
        statuses=problems.check(_statuses, params),
        requested=problems.check(requested_window, params, now, default_tz),
        updated=problems.check(updated_window, params, now, default_tz),
        area=problems.check(_area, params),
        page=problems.check(_whole_number, params, "page", 1, MAX_PAGE),
        page_size=problems.check(_whole_number, params, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE),
        extensions=extensions,
    )
    problems.raise_if_any()
    return query


def flag(params, name):
    """A true/false parameter (true, 1, false, 0); anything else is a 400 naming it."""
    value = single_value(params, name)
    if value is not None and value.lower() not in _FLAGS:
        raise Open311Error.bad_request(f"{name} must be true or false, got {quote(value)}")
    return _FLAGS.get((value or "false").lower())


def _listed(params, name):
    values = list_values(params, name)
    if len(values) > MAX_LISTED:
        raise Open311Error.bad_request(f"{name} lists {len(values):,} values; at most {MAX_LISTED:,}")
    return values


def _statuses(params):
    statuses = tuple(status.lower() for status in list_values(params, "status"))
    unknown = [status for status in statuses if status not in STATUSES]
    if unknown:
        raise Open311Error.bad_request(f"status must be open and/or closed, got {quote(','.join(unknown))}")
    return statuses


def _area(params):
    coordinates = parse_coordinates(params)
    radius = _whole_number(params, "radius", DEFAULT_RADIUS_METRES, MAX_RADIUS_METRES)
    if coordinates is None:
        if single_value(params, "radius") is not None:
            raise Open311Error.bad_request("radius needs lat and long")
        return None
    return Area(coordinates[0], coordinates[1], radius)


def _whole_number(params, name, default, maximum):
    value = single_value(params, name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit() and len(value) <= 9 and 1 <= int(value) <= maximum):
        raise Open311Error.bad_request(f"{name} must be a whole number from 1 to {maximum:,}, got {quote(value)}")
    return int(value)
