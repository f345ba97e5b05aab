"""Where a request is: lat/long in WGS84 degrees, used by POST requests and by GET requests' area filter."""
from services.intake.open311.errors import ErrorCollector, Open311Error, quote
from services.intake.open311.params import decimal_number, single_value


def parse_coordinates(params):
    """(lat, long) as floats, or None when neither is given.

    Raises Open311Error 400 when only one is given, or either is not a number
    in range (lat -90..90, long -180..180); both are checked.
    """
    lat_text, long_text = single_value(params, "lat"), single_value(params, "long")
    if lat_text is None and long_text is None:
        return None
    if lat_text is None or long_text is None:
        raise Open311Error.bad_request("lat and long must be given together")
    problems = ErrorCollector()
    lat = problems.check(_degrees, "lat", lat_text, 90)
    long = problems.check(_degrees, "long", long_text, 180)
    problems.raise_if_any()
    return lat, long


def _degrees(name, text, limit):
    number = decimal_number(text)
    if number is None or not -limit <= number <= limit:
        raise Open311Error.bad_request(
            f"{name} must be a number of degrees between -{limit} and {limit} (WGS84), got {quote(text)}"
        )
    return number
