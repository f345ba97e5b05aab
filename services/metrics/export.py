"""Open data: the requests of a period in the shape public 311 datasets use, with no personal data.

One row per service request: its tracking id, dates, service, department,
status, resolution, council district and neighbourhood, and a location rounded
to three decimals (about 110 m). Never a description, an address, a contact or
a survey answer.
"""
import csv
import io
import json
from datetime import datetime, timezone

from services.metrics.folds import LOCATION_DECIMALS

FIELDS = ("service_request_id", "requested_datetime", "updated_datetime", "expected_datetime",
          "closed_datetime", "status", "service_code", "service_name", "agency", "agency_name", "channel",
          "priority", "council_district", "neighbourhood", "duplicate_of", "resolution_code",
          "resolution_description", "lat", "long")
MAX_DAYS = 366
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def row(fact):
    """One fact as an open-data record (times ISO 8601 UTC, None when unknown)."""
    milestones = [t for t in (fact.created_at, fact.routed_at, fact.work_order_at, fact.first_update_at,
                              fact.closed_at, fact.reopened_at, fact.status_changed_at) if t is not None]
    return {
        "service_request_id": fact.service_request_id,
        "requested_datetime": _iso(fact.created_at),
        "updated_datetime": _iso(max(milestones)) if milestones else None,
        "expected_datetime": _iso(fact.due_at),
        "closed_datetime": None if fact.is_open else _iso(fact.closed_at),
        "status": "open" if fact.is_open else "closed",
        "service_code": fact.service_code, "service_name": fact.service_name,
        "agency": fact.department, "agency_name": fact.department_name, "channel": fact.channel,
        "priority": fact.priority, "council_district": fact.district, "neighbourhood": fact.neighbourhood,
        "duplicate_of": fact.duplicate_of,
        "resolution_code": None if fact.is_open else fact.resolution_code,
        "resolution_description": None if fact.is_open else fact.resolution,
        "lat": fact.lat, "long": fact.long,
    }


def as_csv(facts):
    """CSV text with a header row; empty cells for unknown values; no cell a spreadsheet would run."""
    out = io.StringIO()
    # CRLF (RFC 4180): the writer then quotes a cell holding a lone CR, which would otherwise end the row.
    writer = csv.DictWriter(out, fieldnames=FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for fact in facts:
        writer.writerow({field: _inert(value) for field, value in row(fact).items()})
    return out.getvalue()


def _inert(value):
    """A text cell a spreadsheet would run as a formula, prefixed with ' so it shows as text (numbers stay)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def as_json(facts, filters):
    """A JSON document: what was asked and when it was made, then the records."""
    records = [row(f) for f in facts]
    return json.dumps({"meta": {"period": {"from": filters.start.isoformat(), "to": filters.end.isoformat()},
                                "department": filters.department, "district": filters.district,
                                "generated_at": datetime.now(timezone.utc).isoformat(),
                                "count": len(records), "fields": list(FIELDS),
                                "location_precision_decimals": LOCATION_DECIMALS},
                       "requests": records})


def _iso(value):
    return value.isoformat() if value else None
