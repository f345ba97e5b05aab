"""The JSON documents of the HTTP API (API.md): what each endpoint loads and which measures answer it.

Flow endpoints measure the requests created in a period; current ones (backlog,
overdue, map) describe what is open now and take no period.
"""
from dataclasses import dataclass
from datetime import datetime

from services.metrics import measures, queries
from services.metrics.geography import Geography
from services.metrics.measures.equity import AREA_KINDS
from services.metrics.measures.lifecycle import grouped
from services.metrics.queries import FILTER_PARAMS, InvalidQuery, parse_filters

CURRENT_PARAMS = frozenset({"department", "district"})
MAP_POINTS_LIMIT = 5000


@dataclass(frozen=True)
class Ask:
    """One API call: its query parameters, the jurisdiction's geography and the time it is answered at."""
    args: dict
    geography: Geography
    now: datetime

    def filters(self, extra=(), current=False, max_days=None):
        allowed = (CURRENT_PARAMS if current else FILTER_PARAMS) | set(extra)
        return parse_filters(self.args, self.geography.timezone, self.now, allowed,
                             districts=self.geography.areas("district"), max_days=max_days)

    def number(self, name, default, low, high):
        text = self.args.get(name)
        if text is None:
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            raise InvalidQuery(f"{name!r} must be a whole number from {low} to {high}, not {text!r}")
        return int(text)


def _flow(session, ask, extra=()):
    filters = ask.filters(extra)
    return filters, queries.created_in(session, filters)


def _header(filters, ask, current=False):
    scope = {"department": filters.department, "district": filters.district}
    return {"as_of": ask.now.isoformat(), "filters": scope if current else filters.as_dict()}


def volumes(session, ask):
    filters, facts = _flow(session, ask)
    contacts = queries.information_in(session, filters)
    return {**_header(filters, ask), **measures.volumes(facts, contacts, ask.geography.timezone)}


def timings(session, ask):
    filters, facts = _flow(session, ask)
    by_department = {department: measures.timings(group)["to_close"]
                     for department, group in grouped(facts, "department").items()}
    return {**_header(filters, ask), **measures.timings(facts), "to_close_by_department": by_department}


def service_levels(session, ask):
    filters, facts = _flow(session, ask)
    return {**_header(filters, ask), **measures.service_levels(facts, ask.now)}


def quality(session, ask):
    filters, facts = _flow(session, ask)
    return {**_header(filters, ask), **measures.quality(facts), "first_time_fix": measures.first_time_fix(facts)}


def equity(session, ask):
    filters, facts = _flow(session, ask, extra=("by", "min_count"))
    by = ask.args.get("by", "district")
    if by not in AREA_KINDS:
        raise InvalidQuery(f"'by' must be {' or '.join(repr(k) for k in AREA_KINDS)}, not {by!r}")
    min_count = ask.number("min_count", measures.MIN_COUNT, 1, 10_000)
    current = queries.open_now(session, filters)
    return {**_header(filters, ask), **measures.equity(facts, current, ask.now, by, ask.geography.areas(by),
                                                       min_count)}


def backlog(session, ask):
    filters = ask.filters(current=True)
    return {**_header(filters, ask, True), **measures.backlog(queries.open_now(session, filters), ask.now)}


def overdue(session, ask):
    filters = ask.filters(extra=("limit",), current=True)
    limit = ask.number("limit", 100, 1, 10_000)
    return {**_header(filters, ask, True), **measures.overdue(queries.open_now(session, filters), ask.now, limit)}


def overview(session, ask):
    """The headline numbers of the dashboard (and of the stream's measure updates)."""
    filters, facts = _flow(session, ask)
    current = queries.open_now(session, filters)
    contacts = queries.information_in(session, filters)
    counts = measures.volumes(facts, contacts, ask.geography.timezone)
    late = measures.overdue(current, ask.now, limit=0)
    return {**_header(filters, ask), "service_requests": counts["service_requests"],
            "information_contacts": counts["information_contacts"],
            "information_share": counts["information_share"], "timings": measures.timings(facts),
            "service_levels": measures.compliance(facts, ask.now), "open": measures.backlog(current, ask.now)["open"],
            "overdue": late["count"], "quality": measures.quality(facts)}


def open_requests_map(session, ask):
    """Open requests as points (rounded locations), the most overdue first, for the map."""
    filters = ask.filters(current=True)
    facts = [f for f in queries.open_now(session, filters) if f.lat is not None and f.duplicate_of is None]
    facts.sort(key=lambda f: (f.due_at is None, f.due_at or f.created_at))
    points = [{"service_request_id": f.service_request_id, "lat": f.lat, "long": f.long,
               "service_code": f.service_code, "department": f.department, "district": f.district,
               "overdue": bool(f.due_at and f.due_at < ask.now)} for f in facts[:MAP_POINTS_LIMIT]]
    return {**_header(filters, ask, True), "count": len(facts), "truncated": len(facts) > MAP_POINTS_LIMIT,
            "points": points}


def geography(session, ask):
    g = ask.geography
    return {"name": g.name, "timezone": str(g.timezone), "districts": g.districts,
            "neighbourhoods": g.neighbourhoods, "city_limits": g.city_limits}


def options(session, ask):
    """What the dashboard's filters can choose from."""
    return {"departments": queries.departments(session),
            "districts": [{"code": c, "name": n} for c, n in sorted(ask.geography.areas("district").items())],
            "default_days": queries.DEFAULT_DAYS, "timezone": str(ask.geography.timezone)}


def measures_update(session, ask):
    """The stream's measure update: the overview of the last 30 days, by department, and the equity gaps."""
    filters, facts = _flow(session, ask)
    current = queries.open_now(session, filters)
    return {**overview(session, ask),
            "service_levels_by_department": measures.service_levels(facts, ask.now)["by_department"],
            "backlog_by_department": measures.backlog(current, ask.now)["by_department"],
            "equity_gaps": measures.equity(facts, current, ask.now, "district",
                                           ask.geography.areas("district"))["gaps"]}
