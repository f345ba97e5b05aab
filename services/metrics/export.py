"""Open data: service requests in the shape the large 311 portals publish (NYC's and Chicago's), no personal data.

One row per service request: its tracking id, local times with their offset,
a detailed status, service and its group, department, channel, the block of
its address (never a house number), council district and neighbourhood,
whether it duplicates another request and which, its resolution, and a
location rounded to three decimals (about 110 m). Never a description, a
contact or a survey answer. The columns are those of `datapackage.json`
(a Frictionless Data Package; docs/open-data.md is the data dictionary).

Rows are written as they are read (`csv_chunks`, `json_chunks`), so an export
of any length takes the memory of a chunk, not of the whole period.
"""
import csv
import io
import json
from pathlib import Path

from services.metrics.folds import LOCATION_DECIMALS
from services.metrics.models import RequestFact

DATAPACKAGE = json.loads((Path(__file__).parent / "datapackage.json").read_text())
FIELDS = tuple(field["name"] for field in DATAPACKAGE["resources"][0]["schema"]["fields"])
# What a row is made of: the fact's columns read for the export (not whole ORM objects).
COLUMNS = tuple(getattr(RequestFact, name) for name in (
    "service_request_id", "created_at", "routed_at", "work_order_at", "first_update_at", "closed_at",
    "reopened_at", "status_changed_at", "due_at", "is_open", "stage", "service_code", "service_name", "department",
    "department_name", "channel", "priority", "address_block", "district", "neighbourhood", "duplicate_of",
    "resolution_code", "resolution", "lat", "long"))
ROWS_PER_CHUNK = 500
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_WORK_STAGES = {"assigned": "assigned", "in_progress": "in_progress", "on_hold": "on_hold"}


def status(fact):
    """The detailed status: duplicate, cancelled, closed, or open / assigned / in_progress / on_hold."""
    if fact.duplicate_of:
        return "duplicate"
    if fact.stage == "cancelled":
        return "cancelled"
    if not fact.is_open:
        return "closed"
    return _WORK_STAGES.get(fact.stage, "open")


def row(fact, place):
    """One fact (or a row of COLUMNS) as an open-data record; times local to `place` (a Geography)."""
    milestones = [t for t in (fact.created_at, fact.routed_at, fact.work_order_at, fact.first_update_at,
                              fact.closed_at, fact.reopened_at, fact.status_changed_at) if t is not None]
    tz, closed = place.timezone, not fact.is_open
    return {
        "service_request_id": fact.service_request_id,
        "requested_datetime": _local(fact.created_at, tz),
        "updated_datetime": _local(max(milestones), tz) if milestones else None,
        "expected_datetime": _local(fact.due_at, tz),
        "closed_datetime": _local(fact.closed_at, tz) if closed else None,
        "status": status(fact),
        "service_code": fact.service_code, "service_name": fact.service_name,
        "service_group": place.service_groups.get(fact.service_code),
        "agency": fact.department, "agency_name": fact.department_name, "channel": fact.channel,
        "priority": fact.priority, "address_block": fact.address_block,
        "council_district": fact.district, "neighbourhood": fact.neighbourhood,
        "is_duplicate": fact.duplicate_of is not None, "parent_service_request_id": fact.duplicate_of,
        "resolution_code": fact.resolution_code if closed else None,
        "resolution_description": fact.resolution if closed else None,
        "lat": fact.lat, "long": fact.long,
    }


def csv_chunks(facts, place):
    """CSV text, the header row first, then ROWS_PER_CHUNK rows at a time; empty cells for unknown values;
    no cell a spreadsheet would run."""
    out = io.StringIO()
    # CRLF (RFC 4180): the writer then quotes a cell holding a lone CR, which would otherwise end the row.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    yield _taken(out)
    for n, fact in enumerate(facts, 1):
        writer.writerow([_cell(value) for value in row(fact, place).values()])  # row() keeps FIELDS' order
        if n % ROWS_PER_CHUNK == 0:
            yield _taken(out)
    if out.tell():
        yield _taken(out)


def as_csv(facts, place):
    return "".join(csv_chunks(facts, place))


def json_chunks(facts, place, meta):
    """One JSON document, written as it goes: {"meta": ..., "requests": [...], "count": n}."""
    meta = {**meta, "fields": list(FIELDS), "timezone": str(place.timezone),
            "location_precision_decimals": LOCATION_DECIMALS}
    yield '{"meta": ' + json.dumps(meta) + ', "requests": ['
    count, batch = 0, []
    for count, fact in enumerate(facts, 1):
        batch.append(json.dumps(row(fact, place)))
        if len(batch) == ROWS_PER_CHUNK:
            yield ("," if count > ROWS_PER_CHUNK else "") + ",".join(batch)
            batch = []
    if batch:
        yield ("," if count > len(batch) else "") + ",".join(batch)
    yield f'], "count": {count}}}'


def as_json(facts, place, meta):
    return "".join(json_chunks(facts, place, meta))


def datapackage(csv_url):
    """The Data Package describing the export, its resource at `csv_url`."""
    resource = {**DATAPACKAGE["resources"][0], "path": csv_url}
    return {**DATAPACKAGE, "resources": [resource]}


def _taken(out):
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text


def _cell(value):
    """A CSV cell: booleans as true/false; text a spreadsheet would run as a formula prefixed with ' so it
    shows as text (numbers stay)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local(value, tz):
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None
