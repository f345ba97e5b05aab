"""The envelope every event travels in, and validation on publish and on receipt."""
import uuid
from datetime import datetime, timezone

from marshmallow import Schema, ValidationError, fields, validate

from shared.events.catalog import contract_for


class InvalidEvent(ValueError):
    """An event that does not match its contract; `errors` says exactly where."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"invalid event: {errors}")


class EnvelopeSchema(Schema):
    event_id = fields.UUID(required=True)
    event_type = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    schema_version = fields.Int(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True, format="iso")
    correlation_id = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    producer = fields.Str(required=True, validate=validate.Length(min=1, max=40))
    data = fields.Dict(required=True)


_ENVELOPE = EnvelopeSchema()


def utc_now_iso():
    """Current time as UTC ISO 8601 with an explicit offset."""
    return datetime.now(timezone.utc).isoformat()


def new_event(event_type, data, correlation_id, producer, occurred_at=None):
    """Build an envelope for `data` and validate it against the current contract.

    Raises InvalidEvent naming every field that does not match.
    """
    contract = contract_for(event_type)
    event = {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "schema_version": contract.version,
        "occurred_at": occurred_at or utc_now_iso(),
        "correlation_id": str(correlation_id),
        "producer": producer,
        "data": data,
    }
    return parse_event(event)


def parse_event(payload, expected_type=None):
    """Validate a received payload (envelope and data); return it unchanged.

    Raises InvalidEvent for a wrong shape, an unknown type or version, or a
    `data` that breaks the event's contract.
    """
    if not isinstance(payload, dict):
        raise InvalidEvent({"_schema": [f"expected a JSON object, got {type(payload).__name__}"]})
    errors = _ENVELOPE.validate(payload)
    if errors:
        raise InvalidEvent(errors)
    event_type = payload["event_type"]
    if expected_type and event_type != expected_type:
        raise InvalidEvent({"event_type": [f"expected {expected_type}, got {event_type}"]})
    try:
        contract = contract_for(event_type, payload["schema_version"])
    except KeyError as exc:
        raise InvalidEvent({"event_type": [str(exc.args[0])]}) from None
    data_errors = contract.schema.validate(payload["data"])
    if data_errors:
        raise InvalidEvent({"data": data_errors})
    return payload


__all__ = ["InvalidEvent", "new_event", "parse_event", "utc_now_iso", "ValidationError"]
