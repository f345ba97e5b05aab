"""Known street addresses (the jurisdiction's gazetteer.csv): suggestions as people type, and look-ups."""
import csv
import re
from dataclasses import dataclass
from pathlib import Path

_SHORT = {"street": "st", "avenue": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr", "place": "pl",
          "lane": "ln", "court": "ct", "parkway": "pkwy", "circle": "cir", "highway": "hwy", "square": "sq",
          "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw", "north": "n",
          "south": "s", "east": "e", "west": "w"}
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class KnownAddress:
    address: str
    lat: float
    long: float


def _words(text):
    return [_SHORT.get(w, w) for w in _WORD.findall(text.lower())]


class Gazetteer:
    """The addresses of gazetteer.csv (`address,lat,long[,note]`); an absent file means none."""

    def __init__(self, addresses):
        self.addresses = list(addresses)
        self._keys = [(" ".join(_words(a.address)), a) for a in self.addresses]

    @classmethod
    def from_file(cls, path):
        path = Path(path)
        if not path.exists():
            return cls([])
        with path.open(newline="", encoding="utf-8") as handle:
            return cls(KnownAddress(row["address"].strip(), float(row["lat"]), float(row["long"]))
                       for row in csv.DictReader(handle) if row.get("address"))

    def suggest(self, typed, limit=8):
        """Known addresses containing every word typed (the last one may be unfinished), best first."""
        words = _words(typed)
        if not words:
            return []
        *whole, last = words
        found = [a for key, a in self._keys
                 if all(w in key.split() for w in whole) and any(k.startswith(last) for k in key.split())]
        starts = " ".join(words)
        return sorted(found, key=lambda a: (not " ".join(_words(a.address)).startswith(starts), a.address))[:limit]

    def resolve(self, typed):
        """The known address written this way (ignoring case, punctuation, long/short spellings), or None."""
        key = " ".join(_words(typed or ""))
        return next((a for k, a in self._keys if k == key), None) if key else None
