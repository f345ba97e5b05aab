"""Email addresses and phone numbers in the one form we store, compare and send to."""
import re

_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]+$")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def normalise_email(value):
    """The address lower-cased (mailboxes ignore case in practice), or None when it does not look like one."""
    value = (value or "").strip()
    if len(value) > 254 or not _EMAIL.match(value):
        return None
    return value.lower()


def normalise_phone(value, country_code="1"):
    """E.164 (+14045550134) from what residents type ('404-555-0134', '(404) 555 0134'), or None.

    A number without a leading + gets `country_code`; ten digits is a national number.
    """
    value = (value or "").strip()
    digits = re.sub(r"\D", "", value)
    if value.startswith("+"):
        candidate = f"+{digits}"
    elif value.startswith("00"):
        candidate = f"+{digits[2:]}"
    elif country_code == "1":               # North American numbering: ten digits, or 1 and ten
        candidate = f"+1{digits[-10:]}" if len(digits) == 10 or (len(digits) == 11 and digits[0] == "1") else ""
    else:
        candidate = f"+{country_code}{digits}"
    return candidate if _E164.match(candidate) else None


def normalise(channel, value, country_code="1"):
    return normalise_email(value) if channel == "email" else normalise_phone(value, country_code)
