"""Checking and normalising the submitter's email address and phone number.

Error descriptions never repeat the value: contact details are personal data
and error descriptions end up in logs.
"""
import re

from services.intake.open311.errors import Open311Error

MAX_EMAIL_LENGTH = 254

_LOCAL_PART = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*", re.ASCII)
_DOMAIN_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", re.ASCII)
_TOP_LEVEL_DOMAIN = re.compile(r"[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59}", re.ASCII)

# Separators people type in phone numbers: spaces, brackets, dots, dashes, slashes.
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
# North American numbers: area code and exchange both start with 2-9.
_NANP_NUMBER = re.compile(r"[2-9]\d\d[2-9]\d{6}", re.ASCII)
_INTERNATIONAL_DIGITS = re.compile(r"[1-9]\d{7,14}", re.ASCII)


def normalise_email(value):
    """The address with its domain lower-cased (and IDNA-encoded); Open311Error 400 if it is not one."""
    local, at, domain = value.strip().rpartition("@")
    ascii_domain = _ascii_domain(domain.rstrip("."))
    address = f"{local}@{ascii_domain}"
    if not (at and ascii_domain and len(local) <= 64 and _LOCAL_PART.fullmatch(local)) or len(address) > MAX_EMAIL_LENGTH:
        raise Open311Error.bad_request("email is not a valid email address (expected something like name@example.org)")
    return address


def _ascii_domain(domain):
    try:
        ascii_domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    labels = ascii_domain.split(".")
    if len(labels) < 2 or not _TOP_LEVEL_DOMAIN.fullmatch(labels[-1]):
        return None
    return ascii_domain if all(_DOMAIN_LABEL.fullmatch(label) for label in labels) else None


def normalise_phone(value):
    """The number in E.164 form (`+14045550123`); Open311Error 400 if it is not a phone number.

    US/Canadian numbers may be written any common way ((404) 555-0123,
    404.555.0123, 1-404-555-0123, +1 404 555 0123); other countries need
    their `+` (or `00`) prefix.
    """
    compact = _PHONE_SEPARATORS.sub("", value)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    number = _e164(compact)
    if number is None:
        raise Open311Error.bad_request(
            "phone is not a valid phone number (expected e.g. (404) 555-0123 or +44 20 7946 0958)"
        )
    return number


def _e164(compact):
    if compact.startswith("+"):
        digits = compact[1:]
        if not _INTERNATIONAL_DIGITS.fullmatch(digits):
            return None
        if digits.startswith("1") and not _NANP_NUMBER.fullmatch(digits[1:]):
            return None
        return compact
    if len(compact) == 11 and compact.startswith("1"):
        compact = compact[1:]
    return "+1" + compact if _NANP_NUMBER.fullmatch(compact) else None
