"""Phone numbers and email addresses, checked and normalised with the field's libraries, for every service.

Phone numbers go through phonenumbers (libphonenumber's numbering plans) to E.164; a number written
without its country code is read as a number of the jurisdiction's country (`country` in
jurisdiction.yaml, ISO 3166 alpha-2). Email addresses go through email-validator, syntax only: no DNS
look-up here (deliverability is the mail relay's business, and intake must not wait on DNS).

A ContactError's reason never repeats the value: contact details are personal data, and reasons end up
in logs and error bodies.
"""
from functools import lru_cache

import phonenumbers
import yaml
from email_validator import EmailNotValidError, validate_email
from nameko import config
from phonenumbers import NumberParseException, ValidationResult

from shared.config import project_path

DEFAULT_REGION = "US"
DEFAULT_JURISDICTION_DIR = "deploy/jurisdictions/sample"

_TOO_FEW_DIGITS = "it has too few digits"
_PARSE_REASONS = {
    NumberParseException.INVALID_COUNTRY_CODE: "the country code after + (or 00) is not one in use",
    NumberParseException.NOT_A_NUMBER: "it is not a phone number",
    NumberParseException.TOO_SHORT_AFTER_IDD: _TOO_FEW_DIGITS,
    NumberParseException.TOO_SHORT_NSN: _TOO_FEW_DIGITS,
    NumberParseException.TOO_LONG: "it has too many digits",
}
_POSSIBILITY_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "the country code after + (or 00) is not one in use",
    ValidationResult.TOO_SHORT: _TOO_FEW_DIGITS,
    ValidationResult.TOO_LONG: "it has too many digits",
    ValidationResult.INVALID_LENGTH: "it has the wrong number of digits for its country",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "it has too few digits; a local number needs its area code",
}


class ContactError(ValueError):
    """A phone number or email address that is not one; `reason` says why without repeating it."""

    def __init__(self, field, reason):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def phone_number(value, region=None):
    """The number in E.164 form (`+14045550123`); ContactError if it is not a number in use.

    Written any common way ((404) 555-0123, 1-404-555-0123, +44 20 7946 0958, 0044 20 7946 0958);
    without + or 00 it is read as a number of `region` (default: the jurisdiction's country).
    """
    typed = (value or "").strip()
    if typed.startswith("00"):             # the ITU international prefix, whatever the local one
        typed = "+" + typed[2:]
    try:
        number = phonenumbers.parse(typed, region or jurisdiction_region())
    except NumberParseException as exc:
        raise ContactError("phone", _PARSE_REASONS.get(exc.error_type, "it is not a phone number")) from None
    if number.extension:
        raise ContactError("phone", "it has an extension, which cannot be texted or called back; give the number alone")
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible != ValidationResult.IS_POSSIBLE:
        raise ContactError("phone", _POSSIBILITY_REASONS.get(possible, "it is not a phone number"))
    if not phonenumbers.is_valid_number(number):
        raise ContactError("phone", "it is not a number in use in its country's numbering plan")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_address(value):
    """The address as typed with its domain lower-cased and IDNA-encoded; ContactError if it is not one.

    The local part keeps its case (mail servers may honour it); a trailing dot after the domain (the
    DNS root) is dropped.
    """
    typed = (value or "").strip().removesuffix(".")
    try:
        checked = validate_email(typed, check_deliverability=False, allow_smtputf8=False, strict=True)
    except EmailNotValidError as exc:
        raise ContactError("email", str(exc)) from None
    if len(checked.ascii_domain.rsplit(".", 1)[-1]) < 2:
        raise ContactError("email", "The part after the @-sign ends in a one-letter top-level domain; none exist.")
    return f"{checked.local_part}@{checked.ascii_domain}"


def jurisdiction_region(jurisdiction_dir=None):
    """The jurisdiction's country (`country` in jurisdiction.yaml), the region of numbers typed without +."""
    if jurisdiction_dir is None:          # the running service's (the sample's outside a service)
        jurisdiction_dir = config.get("JURISDICTION_DIR") or DEFAULT_JURISDICTION_DIR
    return _region_in(str(jurisdiction_dir))


@lru_cache(maxsize=8)
def _region_in(jurisdiction_dir):
    path = project_path(jurisdiction_dir) / "jurisdiction.yaml"
    header = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    region = str((header or {}).get("country") or DEFAULT_REGION).upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{path}: country '{region}' is not an ISO 3166 country code phonenumbers knows")
    return region
