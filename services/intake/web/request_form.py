"""The report form, for residents and call-takers alike: web fields → Open311 parameters → parse_new_request.

Validation is the Open311 layer's (the same rules as the API); this module only
moves fields across and turns the protocol's errors into messages beside the
field they are about.
"""
import re
from dataclasses import dataclass, field, replace

from werkzeug.datastructures import MultiDict

from services.intake.open311.errors import Open311Error
from services.intake.open311.parsing import parse_new_request
from shared.i18n import N_

NOTIFY_CHOICES = ("email", "sms", "none")
_COPIED = ("description", "address_string", "lat", "long", "first_name", "last_name", "email", "phone")

CHOOSE = N_("Please choose one of the options.")
# (pattern on the Open311 description, field it is about, message or None to show the description)
_ERROR_FIELDS = (
    (re.compile(r"^(attribute\[[^\]]+\]) is required"), None, N_("Please answer this question.")),
    (re.compile(r"^(attribute\[[^\]]+\]) must be one of"), None, CHOOSE),
    (re.compile(r"^(attribute\[[^\]]+\]) must be a number"), None, N_("Please enter a number, like 3 or 2.5.")),
    (re.compile(r"^(attribute\[[^\]]+\])"), None, None),
    (re.compile(r"^a location is required"), "location",
     N_("Tell us where: type an address, click the map, or give coordinates.")),
    (re.compile(r"^(lat|long)\b"), "location",
     N_("Coordinates must be a latitude (-90 to 90) and a longitude (-180 to 180), both given.")),
    (re.compile(r"^email\b"), "email", N_("This is not an email address (expected something like name@example.org).")),
    (re.compile(r"^phone\b"), "phone", N_("This is not a phone number (expected something like (404) 555-0123).")),
    (re.compile(r"^(description|first_name|last_name|address_string)\b"), None, None),
)


@dataclass
class ReportForm:
    """What a report form submitted: the validated request (None when there are errors) and the errors by field."""
    new: object = None
    errors: dict = field(default_factory=dict)
    notify_by: str = "none"


def read_report_form(form, service, jurisdiction, gazetteer, gettext, media_url=None):
    """Validate a submitted report form for `service`; a known address fills in its coordinates.

    `gettext` gives the messages in the visitor's language.
    """
    params = MultiDict([("service_code", service.service_code)])
    for key in _COPIED:
        if form.get(key, "").strip():
            params[key] = form[key]
    for key in form:
        if key.startswith("attribute["):
            params.setlist(key, form.getlist(key))
    known = gazetteer.resolve(form.get("address_string", ""))
    if known and not (params.get("lat") or params.get("long")):
        params["address_string"], params["lat"], params["long"] = known.address, str(known.lat), str(known.long)
    elif not params.get("address_string"):   # a point only (map or "use my location"): its nearest address
        nearest = nearest_address(gazetteer, params.get("lat"), params.get("long"))
        if nearest:
            params["address_string"] = nearest.address
    outcome = ReportForm(notify_by=form.get("notify_by") or "none")
    try:
        outcome.new = parse_new_request(params, jurisdiction.catalog, jurisdiction.jurisdiction_id,
                                        jurisdiction.timezone)
    except Open311Error as exc:
        outcome.errors = field_errors(exc, gettext)
    _check_notify_by(outcome, form, gettext)
    if outcome.errors:
        outcome.new = None
    elif media_url:   # our own photo's address, as configured: not checked like a client's media_url
        outcome.new = replace(outcome.new, media_url=media_url)
    return outcome


def nearest_address(gazetteer, lat, long):
    """The known address nearest to the point given as text, or None (no point, a bad one, none near);
    bad coordinates are left for the Open311 checks to report."""
    try:
        lat, long = float(lat), float(long)
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        return None
    return gazetteer.nearest(lat, long)


def _check_notify_by(outcome, form, gettext):
    if outcome.notify_by not in NOTIFY_CHOICES:
        outcome.errors["notify_by"] = gettext(CHOOSE)
    elif outcome.notify_by == "email" and not form.get("email", "").strip():
        outcome.errors.setdefault("email", gettext("To hear by email, give your email address."))
    elif outcome.notify_by == "sms" and not form.get("phone", "").strip():
        outcome.errors.setdefault("phone", gettext("To hear by text message, give your mobile number."))


def field_errors(exc, gettext):
    """{field: message} for every problem of an Open311Error; unplaced ones under "form"."""
    errors = {}
    for problem in exc.errors:
        name, message = "form", problem.description
        for pattern, fixed_field, shown in _ERROR_FIELDS:
            match = pattern.match(problem.description)
            if match:
                name = fixed_field or match.group(1)
                message = gettext(shown) if shown else problem.description
                break
        errors[name] = f"{errors[name]} {message}" if name in errors and message not in errors[name] else message
    return errors


def answers_as_text(service, attributes):
    """The service's questions with the chosen answers' names, for read-back and display."""
    shown = []
    for attribute in service.attributes:
        if attribute.code in attributes:
            value = attributes[attribute.code]
            names = {v.key: v.name for v in attribute.values}
            values = value if isinstance(value, (list, tuple)) else [value]
            shown.append((attribute.description or attribute.code, ", ".join(names.get(v, v) for v in values)))
    return shown
