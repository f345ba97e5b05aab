"""JSON Schema (draft 7, as AsyncAPI schemas are) from the marshmallow contracts, so documents cannot drift.

Covers what the contracts use: text, numbers, booleans, UUIDs, aware date-times,
dicts, lists and nested schemas, with Length, OneOf, Range and Equal validators.
A field says more with `metadata={"description": ..., "json_schema": {...}}`; a
schema class states rules across fields (marshmallow's @validates_schema) in
JSON_SCHEMA_EXTRA. Anything else is refused, rather than documented wrongly.
"""
import inspect

from marshmallow import RAISE, fields, missing, validate

_SIMPLE = (  # most specific first: AwareDateTime is a DateTime, UUID is a String
    (fields.AwareDateTime, {"type": "string", "format": "date-time"}),
    (fields.UUID, {"type": "string", "format": "uuid"}),
    (fields.String, {"type": "string"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Float, {"type": "number"}),
    (fields.Boolean, {"type": "boolean"}),
)


def schema_of(schema):
    """The JSON Schema of a marshmallow Schema (class or instance): an object with no other keys."""
    schema = schema() if isinstance(schema, type) else schema
    properties = {name: field_schema(field) for name, field in schema.fields.items()}
    result = {"type": "object"}
    description = inspect.cleandoc(type(schema).__doc__ or "")
    if description:
        result["description"] = description
    result["properties"] = properties
    required = [name for name, field in schema.fields.items() if field.required]
    if required:
        result["required"] = required
    result["additionalProperties"] = schema.unknown != RAISE
    result.update(getattr(schema, "JSON_SCHEMA_EXTRA", {}))
    return result


def field_schema(field):
    """The JSON Schema of one marshmallow field, with its validators and metadata."""
    result = dict(field.metadata.get("json_schema") or _by_type(field))
    for validator in field.validators:
        result.update(_validator_schema(validator, result.get("type")))
    if "description" in field.metadata:
        result["description"] = field.metadata["description"]
    if field.allow_none and "type" in result:
        result["type"] = [result["type"], "null"]
        if "enum" in result:
            result["enum"] = [*result["enum"], None]
    default = field.load_default
    if not callable(default) and default is not missing:
        result["default"] = default
    return result


def _by_type(field):
    if isinstance(field, fields.Nested):
        return schema_of(field.schema)
    if isinstance(field, fields.List):
        return {"type": "array", "items": field_schema(field.inner)}
    if isinstance(field, fields.Dict):
        values = field.value_field
        return {"type": "object", "additionalProperties": field_schema(values) if values else True}
    for kind, shape in _SIMPLE:
        if isinstance(field, kind):
            return dict(shape)
    raise TypeError(f"no JSON Schema for {type(field).__name__}: give it metadata={{'json_schema': ...}}")


def _validator_schema(validator, json_type):
    if isinstance(validator, validate.Length):
        low, high = ("minItems", "maxItems") if json_type == "array" else ("minLength", "maxLength")
        return _present({low: validator.min, high: validator.max})
    if isinstance(validator, validate.OneOf):
        return {"enum": list(validator.choices)}
    if isinstance(validator, validate.Equal):
        return {"const": validator.comparable}
    if isinstance(validator, validate.Range):
        low = "minimum" if validator.min_inclusive else "exclusiveMinimum"
        high = "maximum" if validator.max_inclusive else "exclusiveMaximum"
        return _present({low: validator.min, high: validator.max})
    raise TypeError(f"no JSON Schema for the validator {validator!r}")


def _present(values):
    return {key: value for key, value in values.items() if value is not None}
