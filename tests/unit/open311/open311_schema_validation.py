"""Checks a JSON value against an OpenAPI 3.0 schema (the subset openapi.yaml uses).

jsonschema is not a dependency of the project; this covers $ref, allOf, type,
nullable, enum, required, properties, additionalProperties, items, lengths,
bounds and pattern, which is all the Open311 document needs.
"""
import re

_TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def schema_problems(value, schema, document, where="$"):
    """Every way `value` breaks `schema` (refs resolved in `document`), as readable strings."""
    if "$ref" in schema:
        return schema_problems(value, resolve(document, schema["$ref"]), document, where)
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null is not allowed"]
    problems = []
    for part in schema.get("allOf", ()):
        problems += schema_problems(value, part, document, where)
    expected = schema.get("type")
    if expected and not _TYPES[expected](value):
        return problems + [f"{where}: expected {expected}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} not in {schema['enum']}")
    problems += _string_problems(value, schema, where) + _number_problems(value, schema, where)
    if isinstance(value, list):
        problems += _array_problems(value, schema, document, where)
    if isinstance(value, dict):
        problems += _object_problems(value, schema, document, where)
    return problems


def resolve(document, ref):
    """The part of `document` that a local `#/...` reference points at."""
    node = document
    for key in ref.removeprefix("#/").split("/"):
        node = node[key]
    return node


def _string_problems(value, schema, where):
    if not isinstance(value, str):
        return []
    problems = []
    if "pattern" in schema and not re.search(schema["pattern"], value):
        problems.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if len(value) > schema.get("maxLength", len(value)) or len(value) < schema.get("minLength", 0):
        problems.append(f"{where}: length {len(value)} out of bounds")
    return problems


def _number_problems(value, schema, where):
    if not _TYPES["number"](value):
        return []
    if value < schema.get("minimum", value) or value > schema.get("maximum", value):
        return [f"{where}: {value} out of bounds"]
    return []


def _array_problems(value, schema, document, where):
    problems = []
    if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", len(value)):
        problems.append(f"{where}: {len(value)} items out of bounds")
    for index, item in enumerate(value):
        problems += schema_problems(item, schema.get("items", {}), document, f"{where}[{index}]")
    return problems


def _object_problems(value, schema, document, where):
    properties = schema.get("properties", {})
    problems = [f"{where}: missing {name}" for name in schema.get("required", ()) if name not in value]
    for name, item in value.items():
        if name in properties:
            problems += schema_problems(item, properties[name], document, f"{where}.{name}")
        elif schema.get("additionalProperties") is False:
            problems.append(f"{where}: unexpected property {name}")
    return problems
