"""Block-level addresses for open data: "100 block of Peachtree St SE", never a house number.

The way police and 311 portals publish where something happened without
pointing at one home: the house number rounded down to its hundred. Parsed with
usaddress (a CRF address tagger); an intersection ("Peachtree St & Edgewood
Ave") names no home and is kept as streets; anything else (a landmark, free
text, a unit alone) gives no address at all rather than a guess.
"""
import re

import usaddress

_STREET = ("StreetNamePreModifier", "StreetNamePreDirectional", "StreetNamePreType", "StreetName",
           "StreetNamePostType", "StreetNamePostDirectional", "StreetNamePostModifier")
_SECOND_STREET = tuple(f"Second{part}" for part in _STREET)
_DIGITS = re.compile(r"\d+")
MAX_LENGTH = 200


def block_of(address):
    """The block of a free-text address ("100 block of Peachtree St SE"), its streets for an intersection,
    or None when it names neither."""
    if not address or not address.strip():
        return None
    try:
        parts, kind = usaddress.tag(" ".join(address.split()))
    except usaddress.RepeatedLabelError:
        return None
    if kind == "Street Address":
        return _block(parts)
    if kind == "Intersection":
        return _intersection(parts)
    return None


def _block(parts):
    number, street = _DIGITS.match(parts.get("AddressNumber", "")), _joined(parts, _STREET)
    if number is None or not street:
        return None
    return f"{int(number.group()) // 100 * 100} block of {street}"[:MAX_LENGTH]


def _intersection(parts):
    first, second = _joined(parts, _STREET), _joined(parts, _SECOND_STREET)
    if not first or not second or _DIGITS.fullmatch(first) or _DIGITS.fullmatch(second):
        return None
    return f"{first} & {second}"[:MAX_LENGTH]


def _joined(parts, names):
    return " ".join(parts[name] for name in names if parts.get(name))
