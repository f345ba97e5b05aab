"""Street addresses in a canonical form, so that "123 peachtree street n.e." and
"123 Peachtree St NE" compare equal."""
from __future__ import annotations

import re
from dataclasses import dataclass

# USPS-style standard abbreviations; both spellings map to the short one.
STREET_SUFFIXES = {
    "STREET": "ST", "AVENUE": "AVE", "AV": "AVE", "ROAD": "RD", "BOULEVARD": "BLVD",
    "DRIVE": "DR", "LANE": "LN", "PLACE": "PL", "COURT": "CT", "CIRCLE": "CIR",
    "PARKWAY": "PKWY", "HIGHWAY": "HWY", "TERRACE": "TER", "TRAIL": "TRL", "WAY": "WAY",
    "ALLEY": "ALY", "SQUARE": "SQ", "PLAZA": "PLZ",
}
DIRECTIONS = {
    "NORTHEAST": "NE", "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W",
}
OTHER_WORDS = {"SAINT": "ST", "JUNIOR": "JR", "MOUNT": "MT", "FORT": "FT"}
_CANONICAL = {**STREET_SUFFIXES, **DIRECTIONS, **OTHER_WORDS}
_SUFFIX_FORMS = set(STREET_SUFFIXES.values())
_QUADRANTS = set(DIRECTIONS.values())
_UNIT = re.compile(r"\s(?:#|APT\b|APARTMENT\b|UNIT\b|SUITE\b|STE\b).*$")
_HOUSE_NUMBER = re.compile(r"^\d+[A-Z]?$")


@dataclass(frozen=True)
class StreetAddress:
    """A parsed address: house number, street name, and the suffix and quadrant if given."""
    number: str
    name: str
    suffix: str | None
    quadrant: str | None

    def accepts(self, other: StreetAddress) -> bool:
        """True if `other` is this address, or this one with suffix or quadrant left out."""
        return (self.number, self.name) == (other.number, other.name) \
            and self.suffix in (None, other.suffix) and self.quadrant in (None, other.quadrant)


def parse_street_address(text: str) -> StreetAddress | None:
    """Parse free text such as "123 Peachtree St. N.E., Atlanta"; None if it has no
    house number and street name."""
    words = _canonical_words(_street_line(text))
    if len(words) < 2 or not _HOUSE_NUMBER.match(words[0]):
        return None
    number, words = words[0], words[1:]
    quadrant = words.pop() if len(words) > 1 and words[-1] in _QUADRANTS else None
    suffix = words.pop() if len(words) > 1 and words[-1] in _SUFFIX_FORMS else None
    return StreetAddress(number, " ".join(words), suffix, quadrant)


def _street_line(text: str) -> str:
    """The street part: the first comma-separated part, plus a quadrant written after a comma."""
    parts = [part.strip() for part in text.upper().split(",")]
    line = parts[0]
    if len(parts) > 1 and parts[1].replace(".", "").replace(" ", "") in _QUADRANTS:
        line += " " + parts[1]
    return _UNIT.sub("", line)


def _canonical_words(line: str) -> list[str]:
    line = re.sub(r"[.']", "", line)
    line = re.sub(r"\b([NS]) ([EW])$", r"\1\2", re.sub(r"[^A-Z0-9]+", " ", line).strip())
    return [_CANONICAL.get(word, word) for word in line.split()]
