"""W3C datetimes (the ISO 8601 profile GeoReport v2 uses), read liberally and written strictly.

Read: any W3C precision (YYYY, YYYY-MM, YYYY-MM-DD, hh:mm, hh:mm:ss, fractions),
`T` or a space between date and time, `Z`, `+hh:mm`, `+hhmm` or `+hh` offsets,
and an offset whose `+` arrived as a space because the client did not
%-encode it (`2026-01-01T10:00:00 05:00`). A value without an offset is taken
in `default_tz`. The result is always an aware datetime in UTC.

Written: always with an explicit offset, in the jurisdiction's time zone or
UTC (`+00:00`), to the second.
"""
import re
from datetime import datetime, timedelta, timezone

from services.intake.open311.errors import Open311Error, quote

_W3C_DATETIME = re.compile(
    r"""(?P<year>\d{4})
    (?:-(?P<month>\d{2})
      (?:-(?P<day>\d{2})
        (?:(?:[Tt]|\s+)(?P<hour>\d{2}):(?P<minute>\d{2})
          (?::(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?
          (?:\s*(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)|\s+(?P<unsigned>\d{2}:?\d{2}))?
        )?
      )?
    )?""",
    re.VERBOSE | re.ASCII,
)


def parse_w3c_datetime(value, name, default_tz=timezone.utc):
    """Parse `value` (the parameter called `name`) into an aware UTC datetime.

    Raises Open311Error 400 naming the parameter when the value is not a W3C
    datetime or names an impossible date, time or offset.
    """
    match = _W3C_DATETIME.fullmatch(value.strip())
    try:
        if not match:
            raise ValueError(value)
        return _to_datetime(match, default_tz).astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise Open311Error.bad_request(
            f"{name} must be a W3C datetime such as 2026-01-01T00:00:00Z or "
            f"2026-01-01T00:00:00-05:00, got {quote(value)}"
        ) from None


def _to_datetime(match, default_tz):
    part = match.groupdict()
    fraction = (part["fraction"] or "0")[:6].ljust(6, "0")
    return datetime(
        int(part["year"]),
        int(part["month"] or 1),
        int(part["day"] or 1),
        int(part["hour"] or 0),
        int(part["minute"] or 0),
        int(part["second"] or 0),
        int(fraction),
        tzinfo=_zone(part["zone"], part["unsigned"], default_tz),
    )


def _zone(zone, unsigned, default_tz):
    if zone in ("Z", "z"):
        return timezone.utc
    if unsigned:
        zone = "+" + unsigned
    if not zone:
        return default_tz
    digits = zone[1:].replace(":", "").ljust(4, "0")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError(zone)
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if zone[0] == "-" else offset)


def format_w3c_datetime(moment, tz=timezone.utc):
    """`moment` as a W3C datetime with an explicit offset, in time zone `tz`.

    A naive datetime is taken to be UTC (SQLite hands stored UTC times back
    without their zone); a string is read with parse_w3c_datetime first.
    """
    if isinstance(moment, str):
        moment = parse_w3c_datetime(moment, "datetime")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(tz).isoformat(timespec="seconds")
