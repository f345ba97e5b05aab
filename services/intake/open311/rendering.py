"""Service requests as the public sees them: GET requests, POST requests and tokens responses.

Records may be mappings or objects (dataclasses, ORM rows); only the fields
named here are read, so personal data (email, phone, names, device and account
ids) can never reach a response, whatever the record holds.
"""
from collections.abc import Mapping
from datetime import timezone

from services.intake.open311.dates import format_w3c_datetime
from services.intake.open311.documents import Document

STATUSES = ("open", "closed")
_TEXT_FIELDS_BEFORE_DATES = ("status_notes", "service_name", "service_code", "description",
                             "agency_responsible", "service_notice")
_DATETIME_FIELDS = ("requested_datetime", "updated_datetime", "expected_datetime")
_TEXT_FIELDS_AFTER_DATES = ("address", "address_id", "zipcode")


def requests_document(records, extensions=False, tz=timezone.utc):
    """GET requests / GET request: `[{service_request_id, status, ...}]` / `<service_requests><request>`.

    Datetimes are written in `tz` with an explicit offset. With `extensions`,
    each request also carries `extended_attributes` and its `notes` timeline.
    Raises ValueError for a record whose status is not open or closed.
    """
    return Document("service_requests", [_request_entry(r, extensions, tz) for r in records])


def _request_entry(record, extensions, tz):
    status = _read(record, "status")
    if status not in STATUSES:
        raise ValueError(f"public status must be open or closed, not {status!r}")
    entry = {"service_request_id": _text(_read(record, "service_request_id")), "status": status}
    entry.update((name, _text(_read(record, name))) for name in _TEXT_FIELDS_BEFORE_DATES)
    entry.update((name, _datetime(_read(record, name), tz)) for name in _DATETIME_FIELDS)
    entry.update((name, _text(_read(record, name))) for name in _TEXT_FIELDS_AFTER_DATES)
    entry["lat"] = _number(_read(record, "lat"))
    entry["long"] = _number(_read(record, "long"))
    entry["media_url"] = _text(_read(record, "media_url"))
    if extensions:
        entry["extended_attributes"] = _extended_attributes(_read(record, "extended_attributes") or {})
        entry["notes"] = [_note(note, tz) for note in _read(record, "notes") or ()]
    return entry


def _extended_attributes(given):
    # Only these published extension fields are let through.
    return {
        "channel": _text(_read(given, "channel")),
        "district": _text(_read(given, "district")),
        "neighbourhood": _text(_read(given, "neighbourhood")),
        "duplicate": bool(_read(given, "duplicate")),
        "parent_request_id": _text(_read(given, "parent_request_id")),
    }


def _note(note, tz):
    return {
        "type": _text(_read(note, "type")),
        "description": _text(_read(note, "description")),
        "datetime": _datetime(_read(note, "datetime"), tz),
    }


def created_document(service_request_id, service_notice=None, token=None):
    """POST requests: `[{service_request_id, token, service_notice, account_id: null}]`.

    The id is minted at once (every service is realtime); the token is given
    too, for clients that only know how to follow one, and resolves through
    GET tokens. account_id is always null: it identifies the submitter and is
    not echoed.
    """
    entry = {"service_request_id": str(service_request_id), "token": _text(token),
             "service_notice": service_notice, "account_id": None}
    return Document("service_requests", [entry])


def tokens_document(token, service_request_id):
    """GET tokens/{token}: `[{service_request_id, token}]`."""
    return Document("service_requests", [{"service_request_id": str(service_request_id), "token": str(token)}])


def _read(record, name):
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _text(value):
    return None if value is None else str(value)


def _number(value):
    return None if value is None else float(value)


def _datetime(value, tz):
    return None if value is None else format_w3c_datetime(value, tz)
