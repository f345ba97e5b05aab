"""Checking and normalising the submitter's email address and phone number (shared/contact.py) as Open311 errors.

Error descriptions never repeat the value: contact details are personal data
and error descriptions end up in logs.
"""
from services.intake.open311.errors import Open311Error
from shared.contact import ContactError, email_address, phone_number


def normalise_email(value):
    """The address with its domain lower-cased (and IDNA-encoded); Open311Error 400 saying why if it is not one."""
    try:
        return email_address(value)
    except ContactError as exc:
        raise Open311Error.bad_request(
            f"email is not a valid email address: {exc.reason} Expected something like name@example.org.") from None


def normalise_phone(value, region=None):
    """The number in E.164 form (`+14045550123`); Open311Error 400 saying why if it is not a phone number.

    Any common way of writing it ((404) 555-0123, 1-404-555-0123, +44 20 7946 0958); without + or 00
    it is a number of `region` (default: the jurisdiction's country).
    """
    try:
        return phone_number(value, region)
    except ContactError as exc:
        raise Open311Error.bad_request(
            f"phone is not a valid phone number: {exc.reason} (expected e.g. (404) 555-0123 or +44 20 7946 0958)"
        ) from None
