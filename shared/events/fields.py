"""Field types the contracts share, so every event spells a thing the same way."""
from marshmallow import fields, validate

STATUSES = ("open", "closed")
PRIORITIES = ("emergency", "high", "normal", "low")
WORK_STATUSES = ("assigned", "in_progress", "on_hold", "closed", "cancelled", "reopened", "unknown")


def request_id(**kw):
    return fields.Str(required=True, validate=validate.Length(min=1, max=40), **kw)


def text(max_len=500, **kw):
    kw.setdefault("required", True)
    return fields.Str(validate=validate.Length(max=max_len), **kw)


def optional_text(max_len=500):
    return fields.Str(required=False, allow_none=True, load_default=None, validate=validate.Length(max=max_len))


def when(**kw):
    kw.setdefault("required", True)
    return fields.AwareDateTime(format="iso", **kw)


def optional_when():
    return fields.AwareDateTime(format="iso", required=False, allow_none=True, load_default=None)


def one_of(choices, **kw):
    kw.setdefault("required", True)
    return fields.Str(validate=validate.OneOf(choices), **kw)


def coordinate(low, high):
    return fields.Float(required=False, allow_none=True, load_default=None,
                        validate=validate.Range(min=low, max=high))
