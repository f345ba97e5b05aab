"""POST requests: turning the submitted form into a validated NewServiceRequest."""
from dataclasses import dataclass, field
from datetime import timezone

from services.intake.open311.access import check_jurisdiction
from services.intake.open311.attributes import validate_attributes
from services.intake.open311.contact import normalise_email, normalise_phone
from services.intake.open311.errors import ErrorCollector, Open311Error
from services.intake.open311.location import parse_coordinates
from services.intake.open311.media_url import checked_media_url
from services.intake.open311.params import all_values, attribute_values, single_value
from services.intake.open311.text import checked_text

# Fields that identify the submitter: stored for follow-up, never published.
PERSONAL_FIELDS = frozenset({"email", "phone", "first_name", "last_name", "device_id", "account_id"})

# The spec suggests 4,000 characters for a description; real reports run
# longer and are kept whole, up to a limit that still stops abuse.
MAX_DESCRIPTION_LENGTH = 100_000
_LOCATION_FIELDS = ("lat", "long", "address_string", "address_id")
_SINGLE_LINE_LIMITS = {
    "address_string": 1_000,
    "address_id": 200,
    "device_id": 200,
    "account_id": 200,
    "first_name": 200,
    "last_name": 200,
    "email": 254,
    "phone": 50,
    "media_url": 2_048,
}


@dataclass(frozen=True)
class NewServiceRequest:
    """A validated service request as submitted, before it is stored and given an id."""

    service_code: str
    jurisdiction_id: str | None = None
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    email: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    description: str | None = None
    media_url: str | None = None
    attributes: dict = field(default_factory=dict)


def parse_new_request(params, catalog, jurisdiction_id, default_tz=timezone.utc):
    """Validate a POST requests form into a NewServiceRequest.

    Checks jurisdiction_id, service_code, the location (lat+long,
    address_string or address_id), contact details, media_url, the
    description and the service's attributes, and raises every problem at
    once: an Open311Error (or Open311ErrorGroup) whose status is 404 when the
    jurisdiction or service_code is unknown, else 400. The api_key is checked
    separately (access.check_api_key), before this. `default_tz` reads
    datetime attribute values that carry no offset.
    """
    problems = ErrorCollector()
    problems.check(check_jurisdiction, params, jurisdiction_id)
    service = problems.check(_service, params, catalog)
    if not _location_given(params):
        problems.add(Open311Error.bad_request("a location is required: lat and long, address_string or address_id"))
    coordinates = problems.check(parse_coordinates, params) or (None, None)
    fields = _single_line_fields(problems, params)
    description = problems.check(_description, params)
    attributes = service and problems.check(validate_attributes, service, attribute_values(params), default_tz)
    problems.raise_if_any()
    return NewServiceRequest(
        service_code=service.service_code,
        jurisdiction_id=single_value(params, "jurisdiction_id"),
        lat=coordinates[0],
        long=coordinates[1],
        description=description,
        attributes=attributes,
        **fields,
    )


def _service(params, catalog):
    code = single_value(params, "service_code")
    if code is None:
        raise Open311Error.bad_request("service_code was not provided")
    return catalog.require(code)


def _location_given(params):
    # A bad lat/long or address has its own error; do not also call the location missing.
    return any(value.strip() for name in _LOCATION_FIELDS for value in all_values(params, name))


def _single_line_fields(problems, params):
    fields = {}
    for name, limit in _SINGLE_LINE_LIMITS.items():
        value = problems.check(_single_line, params, name, limit)
        if value and name in _NORMALISERS:
            value = problems.check(_NORMALISERS[name], value)
        fields[name] = value
    return fields


def _single_line(params, name, limit):
    value = single_value(params, name)
    return value and checked_text(name, value, limit, single_line=True)


def _description(params):
    value = single_value(params, "description", strip=False)
    return value and checked_text("description", value, MAX_DESCRIPTION_LENGTH)


_NORMALISERS = {"email": normalise_email, "phone": normalise_phone, "media_url": checked_media_url}
