"""Free-text fields: what they may contain and how long they may be."""
import re

from services.intake.open311.errors import Open311Error

# C0 controls other than tab, LF and CR, DEL, and U+FFFD (what a lenient
# decoder leaves where the client sent bytes that were not UTF-8).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


def checked_text(name, value, max_length, single_line=False):
    """`value` unchanged (or on one line when `single_line`), if it is acceptable text.

    Raises Open311Error 400 naming the field when it is longer than
    `max_length` characters or holds control characters or mis-encoded bytes.
    Line breaks (CRLF included) are kept as sent unless `single_line`, which
    joins lines with a space.
    """
    if len(value) > max_length:
        raise Open311Error.bad_request(f"{name} is too long: {len(value):,} characters, at most {max_length:,}")
    if _FORBIDDEN.search(value):
        raise Open311Error.bad_request(
            f"{name} contains control characters or bytes that are not valid UTF-8"
        )
    return _LINE_BREAKS.sub(" ", value) if single_line else value
