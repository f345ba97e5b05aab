"""Reading GeoReport v2 parameters from a form body or query string.

Parameters arrive as a werkzeug `MultiDict` (anything with `getlist` and key
iteration will do; a plain dict is accepted too). Following the spec, an empty
parameter counts as absent.
"""
import re
import urllib.parse

from werkzeug.datastructures import MultiDict

from services.intake.open311.errors import Open311Error

MAX_FIELDS = 1000

# attribute[CODE], attribute[CODE][] and PHP-style attribute[CODE][0]
_ATTRIBUTE_KEY = re.compile(r"attribute\[([^\[\]]+)\](?:\[\d*\])?")


def decode_params(raw):
    """Decode an application/x-www-form-urlencoded body (or query string) strictly as UTF-8.

    Returns a MultiDict. Raises Open311Error 400 when the bytes, or what their
    %-escapes stand for, are not valid UTF-8, when a name or value holds a NUL
    character (no parameter may; databases refuse them), or when there are more
    than MAX_FIELDS fields.
    """
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        pairs = urllib.parse.parse_qsl(
            text, keep_blank_values=True, encoding="utf-8", errors="strict", max_num_fields=MAX_FIELDS
        )
    except UnicodeDecodeError:
        raise Open311Error.bad_request("the request is not valid UTF-8; GeoReport v2 requires UTF-8") from None
    except ValueError:
        raise Open311Error.bad_request(f"too many parameters (at most {MAX_FIELDS})") from None
    if any("\x00" in name or "\x00" in value for name, value in pairs):
        raise Open311Error.bad_request("parameters must not contain NUL characters (%00)")
    return MultiDict(pairs)


def all_values(params, name):
    """Every value given for `name`, in order, empty ones included."""
    if hasattr(params, "getlist"):
        return list(params.getlist(name))
    value = params.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def single_value(params, name, strip=True):
    """The one value of `name`, or None when absent or empty.

    Repeating a parameter with the same value is harmless; different values
    raise Open311Error 400. `strip=False` keeps the value exactly as sent
    (descriptions), though whitespace alone still counts as empty.
    """
    values = [v for v in all_values(params, name) if v.strip()]
    if strip:
        values = [v.strip() for v in values]
    if len(set(values)) > 1:
        raise Open311Error.bad_request(f"{name} was given more than once with different values")
    return values[0] if values else None


def list_values(params, name):
    """Values of a list parameter, given comma-separated and/or repeated; de-duplicated, in order."""
    items = []
    for value in all_values(params, name):
        items.extend(item.strip() for item in value.split(","))
    return tuple(dict.fromkeys(item for item in items if item))


def attribute_values(params):
    """Submitted attribute values by code, merging `attribute[CODE]` and `attribute[CODE][]`.

    Empty values are dropped; a code whose values are all empty is left out.
    """
    found = {}
    for key in params:
        match = _ATTRIBUTE_KEY.fullmatch(key)
        if match:
            values = [v.strip() for v in all_values(params, key) if v.strip()]
            found.setdefault(match.group(1), []).extend(values)
    return {code: values for code, values in found.items() if values}


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?", re.ASCII)


def decimal_number(text):
    """`text` as a finite float if it is a plain decimal number (1, -2.5, .5, 1e3), else None.

    Stricter than float(): no nan, inf, hex or digit-group underscores.
    """
    if not _DECIMAL.fullmatch(text.strip()):
        return None
    number = float(text)
    return number if abs(number) != float("inf") else None
