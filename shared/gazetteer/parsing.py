"""Free-text street addresses to one canonical key, so typed and stored spellings compare equal.

usaddress (a CRF model trained on US addresses) splits the text into house number, directions,
street name and type, unit, city, state and ZIP; the key keeps the street address only and writes
every word in its USPS short form: "100 Peachtree Street Southeast, Apt 4, Atlanta GA" → "100 peachtree st se".
"""
import re

import usaddress

SHORT_FORMS = {
    "street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
    "lane": "ln", "place": "pl", "court": "ct", "circle": "cir", "parkway": "pkwy", "highway": "hwy",
    "terrace": "ter", "trail": "trl", "alley": "aly", "square": "sq", "plaza": "plz",
    "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw",
    "north": "n", "south": "s", "east": "e", "west": "w",
    "saint": "st", "junior": "jr", "mount": "mt", "fort": "ft",
}
DIRECTIONS = {"n", "s", "e", "w", "ne", "nw", "se", "sw"}
# The parts of a street address, in the order they are written; everything else (unit, city, state,
# ZIP, recipient) is not part of the key.
STREET_PARTS = ("AddressNumberPrefix", "AddressNumber", "AddressNumberSuffix", "StreetNamePreModifier",
                "StreetNamePreDirectional", "StreetNamePreType", "StreetName", "StreetNamePostType",
                "StreetNamePostDirectional", "StreetNamePostModifier")
_WORD = re.compile(r"[a-z0-9]+")


def words(text):
    """Lower-case words in short form, punctuation dropped ("N.E." → "ne")."""
    text = re.sub(r"(?<=\b[a-z])\.(?=[a-z]\b)", "", (text or "").lower())
    return [SHORT_FORMS.get(w, w) for w in _WORD.findall(text.replace("'", ""))]


def quick_key(text):
    """The key of a well-written street address ("100 Peachtree St SE"), without the parser: for
    the gazetteer's own entries, read by the hundred thousand."""
    return " ".join(words(text))


def address_key(text):
    """The key of whatever a person typed: the street address's words only, in short form; "" if
    none. Text the parser cannot label consistently falls back to `quick_key`."""
    try:
        tagged, _kind = usaddress.tag(text or "")
    except usaddress.RepeatedLabelError:
        return quick_key(text)
    street = [tagged[part] for part in STREET_PARTS if part in tagged]
    return quick_key(" ".join(street)) if street else ""


def split_key(key):
    """(house number, street key) of a key that starts with a number, else None."""
    number, _, street = key.partition(" ")
    return (number, street) if street and number[:1].isdigit() else None
