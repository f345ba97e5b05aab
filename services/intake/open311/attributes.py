"""Checking submitted attribute values against a service's definition."""
from datetime import timezone

from services.intake.open311.dates import format_w3c_datetime, parse_w3c_datetime
from services.intake.open311.errors import ErrorCollector, Open311Error, quote
from services.intake.open311.params import decimal_number
from services.intake.open311.text import checked_text

MAX_STRING_LENGTH = 4_000
MAX_TEXT_LENGTH = 100_000
_KEYS_SHOWN = 20


def validate_attributes(service, submitted, default_tz=timezone.utc):
    """Accepted attribute values by code, checked against `service`'s attributes.

    `submitted` maps codes to lists of strings (params.attribute_values). A
    multivaluelist gives a tuple of keys; every other datatype one string:
    numbers as sent, datetimes as W3C UTC (read in `default_tz` when they carry
    no offset), strings joined onto one line. Codes the service does not
    define, and non-variable attributes, are ignored (clients such as
    FixMyStreet send extra ones). Raises Open311Error 400 with every missing
    required attribute and every bad value.
    """
    problems = ErrorCollector()
    accepted = {}
    for attribute in service.attributes:
        values = submitted.get(attribute.code, [])
        if not attribute.variable:
            continue
        if values:
            value = problems.check(_accept, attribute, values, default_tz)
            if value is not None:
                accepted[attribute.code] = value
        elif attribute.required:
            problems.add(_missing(service, attribute))
    problems.raise_if_any()
    return accepted


def _missing(service, attribute):
    hint = f" ({attribute.description})" if attribute.description else ""
    return Open311Error.bad_request(
        f"attribute[{attribute.code}] is required for service_code {quote(service.service_code)}{hint}"
    )


def _accept(attribute, values, default_tz):
    name = f"attribute[{attribute.code}]"
    if attribute.datatype == "multivaluelist":
        return tuple(_listed_key(name, attribute, value, default_tz) for value in dict.fromkeys(values))
    if len(set(values)) > 1:
        raise Open311Error.bad_request(f"{name} takes a single value, got {len(set(values))}")
    return _ACCEPT_ONE[attribute.datatype](name, attribute, values[0], default_tz)


def _listed_key(name, attribute, value, default_tz):
    if value not in attribute.keys:
        keys = [v.key for v in attribute.values]
        shown = ", ".join(keys[:_KEYS_SHOWN]) + (", ..." if len(keys) > _KEYS_SHOWN else "")
        raise Open311Error.bad_request(f"{name} must be one of {shown}; got {quote(value)}")
    return value


def _number(name, attribute, value, default_tz):
    if decimal_number(value) is None:
        raise Open311Error.bad_request(f"{name} must be a number, got {quote(value)}")
    return value


def _datetime(name, attribute, value, default_tz):
    return format_w3c_datetime(parse_w3c_datetime(value, name, default_tz))


def _string(name, attribute, value, default_tz):
    return checked_text(name, value, MAX_STRING_LENGTH, single_line=True)


def _text(name, attribute, value, default_tz):
    return checked_text(name, value, MAX_TEXT_LENGTH)


_ACCEPT_ONE = {
    "singlevaluelist": _listed_key,
    "number": _number,
    "datetime": _datetime,
    "string": _string,
    "text": _text,
}
