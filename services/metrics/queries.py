"""Reading facts: the filters of the API and the SQL that loads what each measure needs."""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import distinct, func, select

from services.metrics.models import InformationFact, RequestFact

DEFAULT_DAYS = 30
FILTER_PARAMS = frozenset({"from", "to", "department", "district"})
_CODE = re.compile(r"^[\w.-]{1,60}$")
_UNESCAPED_PLUS = re.compile(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:?\d\d)$")  # '+00:00' sent unescaped in a URL reads ' 00:00'


class InvalidQuery(ValueError):
    """A query parameter the API cannot use; the message says which and why."""


@dataclass(frozen=True)
class Filters:
    """Requests created in [start, end), optionally of one department and/or council district."""
    start: datetime
    end: datetime
    department: str | None = None
    district: str | None = None

    def as_dict(self):
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "department": self.department, "district": self.district}


def parse_filters(args, timezone, now, allowed=FILTER_PARAMS, districts=None, max_days=None):
    """Filters from query parameters; InvalidQuery names the parameter that is wrong.

    `from`/`to` are ISO dates (local days of the jurisdiction, `to` inclusive) or
    ISO datetimes (`to` exclusive; without an offset, local time). Default: the
    last 30 days up to now.
    """
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise InvalidQuery(f"unknown parameter {unknown[0]!r}; this endpoint takes: {', '.join(sorted(allowed))}")
    end = _moment(args.get("to"), "to", timezone) or now
    start = _moment(args.get("from"), "from", timezone) or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise InvalidQuery(f"'from' ({start.isoformat()}) must be before 'to' ({end.isoformat()})")
    if max_days and end - start > timedelta(days=max_days):
        raise InvalidQuery(f"the period is longer than {max_days} days; ask for it in parts")
    district = _code(args.get("district"), "district")
    if district and districts and district not in districts:
        raise InvalidQuery(f"unknown district {district!r}; known: {', '.join(sorted(districts))}")
    return Filters(start, end, _code(args.get("department"), "department"), district)


def _moment(text, name, timezone):
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text) + (timedelta(days=1) if name == "to" else timedelta())
            return datetime.combine(day, time(), timezone)
        moment = datetime.fromisoformat(_UNESCAPED_PLUS.sub(r"\1+\2", text))
    except ValueError:
        raise InvalidQuery(f"{name!r} must be an ISO 8601 date or date-time, not {text!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone)


def _code(text, name):
    if text and not _CODE.match(text):
        raise InvalidQuery(f"{name!r} must be a code (letters, digits, '-', '_', '.'), not {text!r}")
    return text or None


def _scoped(query, filters):
    if filters.department:
        query = query.where(RequestFact.department == filters.department)
    if filters.district:
        query = query.where(RequestFact.district == filters.district)
    return query


def created_in(session, filters):
    """Request facts created in the period (the cohort of flow measures)."""
    query = select(RequestFact).where(RequestFact.created_at >= filters.start, RequestFact.created_at < filters.end)
    return session.execute(_scoped(query, filters).order_by(RequestFact.created_at)).scalars().all()


@dataclass(frozen=True)
class ExportSelection:
    """The open-data export's rows: created in the period (when `period` is set), changed after
    `updated_after` (when set), of one department and/or district."""
    filters: Filters
    updated_after: datetime | None = None
    period: bool = True


def parse_export(args, timezone, now, districts=None):
    """The export's selection from its query parameters. With `updated_after` and no `from`/`to`, every
    request that changed since then, whenever it was created (an incremental update)."""
    filters = parse_filters(args, timezone, now, FILTER_PARAMS | {"updated_after"}, districts)
    updated_after = _moment(args.get("updated_after"), "updated_after", timezone)
    return ExportSelection(filters, updated_after, period=updated_after is None or bool({"from", "to"} & set(args)))


def export_rows(session, selection, columns, chunk=1000):
    """The selected facts' `columns` as rows, read from the database `chunk` rows at a time (a server-side
    cursor on PostgreSQL), so a year of a large city's requests never sits in memory at once."""
    filters, query = selection.filters, select(*columns)
    if selection.period:
        query = query.where(RequestFact.created_at >= filters.start, RequestFact.created_at < filters.end)
    else:
        query = query.where(RequestFact.created_at.is_not(None))
    if selection.updated_after is not None:
        query = query.where(RequestFact.updated_at > selection.updated_after)
        order = (RequestFact.updated_at, RequestFact.service_request_id)
    else:
        order = (RequestFact.created_at, RequestFact.service_request_id)
    query = _scoped(query, filters).order_by(*order).execution_options(yield_per=chunk)
    yield from session.execute(query)


def open_now(session, filters):
    """Request facts open now, whatever the period (the backlog)."""
    query = select(RequestFact).where(RequestFact.is_open.is_(True), RequestFact.created_at.is_not(None))
    return session.execute(_scoped(query, filters).order_by(RequestFact.created_at)).scalars().all()


def information_in(session, filters):
    """Information contacts answered in the period; None under a district filter (they have none)."""
    if filters.district:
        return None
    query = select(InformationFact).where(InformationFact.logged_at >= filters.start,
                                          InformationFact.logged_at < filters.end)
    if filters.department:
        query = query.where(InformationFact.department == filters.department)
    return session.execute(query).scalars().all()


def departments(session):
    """[{code, name}] of the departments requests were routed to."""
    rows = session.execute(select(RequestFact.department, func.max(RequestFact.department_name))
                           .where(RequestFact.department.is_not(None)).group_by(RequestFact.department)).all()
    return [{"code": code, "name": name or code} for code, name in sorted(rows)]


def summary(session):
    """Counts of requests by lifecycle stage, and of information contacts."""
    def count(*where):
        return session.execute(select(func.count()).select_from(RequestFact).where(*where)).scalar_one()
    return {
        "requests_created": count(RequestFact.created_at.is_not(None)),
        "requests_routed": count(RequestFact.routed_at.is_not(None)),
        "work_orders_created": count(RequestFact.work_order_at.is_not(None)),
        "requests_closed": count(RequestFact.is_open.is_(False)),
        "requests_open": count(RequestFact.is_open.is_(True), RequestFact.created_at.is_not(None)),
        "duplicates": count(RequestFact.duplicate_of.is_not(None)),
        "in_triage": count(RequestFact.is_open.is_(True), RequestFact.triaged_at.is_not(None),
                           (RequestFact.route_decided_at.is_(None))
                           | (RequestFact.triaged_at > RequestFact.route_decided_at)),
        "work_orders_failed": count(RequestFact.work_order_failed.is_(True)),
        "awaiting_creation": count(RequestFact.created_at.is_(None)),
        "information_contacts": session.execute(select(func.count(distinct(InformationFact.contact_id)))).scalar_one(),
    }


def request_fact(session, service_request_id):
    return session.get(RequestFact, service_request_id)


def last_change(session):
    """A marker that moves whenever a fact changes: the newest request-fact update and the information contacts,
    as text (the stream's measures periods keep it)."""
    newest = session.execute(select(func.max(RequestFact.updated_at))).scalar_one()
    contacts = session.execute(select(func.count()).select_from(InformationFact)).scalar_one()
    return f"{newest.isoformat() if newest else '-'} {contacts}"
