"""Email addresses and phone numbers in the one form we store, compare and send to (shared/contact.py)."""
from shared.contact import ContactError, email_address, phone_number


def normalise_email(value):
    """The address lower-cased (mailboxes ignore case in practice), or None when it is not one."""
    try:
        return email_address(value).lower()
    except ContactError:
        return None


def normalise_phone(value, region=None):
    """E.164 (+14045550134) from what residents type ('404-555-0134', '(404) 555 0134'), or None.

    A number without + or 00 is one of `region` (ISO 3166 code; default: the jurisdiction's country).
    """
    try:
        return phone_number(value, region)
    except ContactError:
        return None


def normalise(channel, value, region=None):
    return normalise_email(value) if channel == "email" else normalise_phone(value, region)
