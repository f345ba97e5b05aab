"""The gazetteer in memory: suggestions by prefix, look-ups by key, and the nearest address to a point.

Built for a city's whole address file (hundreds of thousands of points): suggestions bisect two
sorted lists of keys (number first, "100 peachtree st se", and street first, "peachtree st se 100"),
so a keystroke costs a binary search, not a scan; the nearest address comes from a shapely STRtree.
"""
import csv
import math
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from pathlib import Path

import shapely

from shared.gazetteer.parsing import address_key, quick_key, split_key

COLUMNS = ("address", "lat", "long")
METRES_PER_DEGREE = 111_320.0
NEAREST_WITHIN_METRES = 150.0   # a point farther than this from every known address has none


@dataclass(frozen=True, slots=True)
class KnownAddress:
    address: str
    lat: float
    long: float


class Gazetteer:
    """The known addresses of a jurisdiction (gazetteer.csv: `address,lat,long[,note]`)."""

    def __init__(self, addresses):
        self.addresses = list(addresses)
        self._by_key = {}
        number_first, street_first = [], []
        for position, known in enumerate(self.addresses):
            key = quick_key(known.address)
            self._by_key.setdefault(key, position)
            number_first.append(key)
            parts = split_key(key)
            street_first.append(f"{parts[1]} {_number_order(parts[0])}" if parts else "")
        self._number_first, self._number_first_at = _sorted_with_positions(number_first)
        self._street_first, self._street_first_at = _sorted_with_positions(street_first)
        self._tree = None

    def __len__(self):
        return len(self.addresses)

    @classmethod
    def from_file(cls, path):
        """Read gazetteer.csv; an absent file means no known addresses."""
        path = Path(path)
        if not path.exists():
            return cls([])
        with path.open(newline="", encoding="utf-8") as handle:
            rows = csv.DictReader(handle)
            if not set(COLUMNS) <= set(rows.fieldnames or ()):
                raise ValueError(f"{path}:1: the header must name the columns {', '.join(COLUMNS)}")
            return cls(KnownAddress(row["address"].strip(), float(row["lat"]), float(row["long"]))
                       for row in rows if (row.get("address") or "").strip())

    def suggest(self, typed, limit=8):
        """Known addresses that begin the way `typed` does (the last word may be unfinished): by
        house number first ("100 peach"), or by street ("peachtree st", in house-number order)."""
        prefix = quick_key(typed)
        if not prefix:
            return []
        found = self._starting_with(self._number_first, self._number_first_at, prefix, limit)
        street, _, number = prefix.rpartition(" ")
        if street and number.isdigit():          # "peachtree st ne 12": 12, 120-129, 1200-1299, ...
            for lower, upper in _numbers_starting_with(number):
                found += self._between(f"{street} {lower}", f"{street} {upper}", limit - len(found))
        found += self._starting_with(self._street_first, self._street_first_at, prefix, limit)
        return [self.addresses[p] for p in dict.fromkeys(found)][:limit]

    def resolve(self, typed):
        """The known address `typed` means (case, punctuation, long/short spellings, a unit, the
        city, state and ZIP do not matter), or None."""
        position = self._by_key.get(address_key(typed or ""))
        return None if position is None else self.addresses[position]

    def _starting_with(self, keys, positions, prefix, limit):
        """Positions of up to `limit` of the sorted `keys` that start with `prefix`."""
        found, at = [], bisect_left(keys, prefix)
        while at < len(keys) and len(found) < limit and keys[at].startswith(prefix):
            found.append(positions[at])
            at += 1
        return found

    def _between(self, lower, upper, limit):
        """Positions of up to `limit` street-first keys from `lower` up to (not including) `upper`."""
        if limit <= 0:
            return []
        at = bisect_left(self._street_first, lower)
        end = min(bisect_left(self._street_first, upper, lo=at), at + limit)
        return list(self._street_first_at[at:end])

    def nearest(self, lat, long, within_metres=NEAREST_WITHIN_METRES):
        """The known address nearest to (lat, long), if one lies within `within_metres`; else None."""
        if not self.addresses:
            return None
        if self._tree is None:
            self._build_tree()
        point = shapely.Point(long * self._x_scale, lat)
        found = self._tree.query_nearest(point, max_distance=within_metres / METRES_PER_DEGREE,
                                         return_distance=False, all_matches=False)
        return self.addresses[int(found[0])] if len(found) else None

    def _build_tree(self):
        # Degrees of longitude shrink with latitude: scale them so distances are (nearly) metres.
        mean_lat = sum(a.lat for a in self.addresses) / len(self.addresses)
        self._x_scale = math.cos(math.radians(mean_lat))
        points = shapely.points([(a.long * self._x_scale, a.lat) for a in self.addresses])
        self._tree = shapely.STRtree(points)


def _sorted_with_positions(keys):
    order = sorted(range(len(keys)), key=keys.__getitem__)
    return [keys[i] for i in order], array("I", order)


def _numbers_starting_with(digits, width=10):
    """(lower, upper) ranges of zero-padded house numbers that start with `digits`, shortest first."""
    value = int(digits)
    for extra in range(width - len(digits) + 1):
        yield str(value * 10 ** extra).zfill(width), str((value + 1) * 10 ** extra).zfill(width)


def _number_order(number):
    """House numbers in numeric order as text: "12b" → "0000000012b"."""
    digits = "".join(c for c in number if c.isdigit())
    return digits.zfill(10) + number[len(digits):]


_LOADED = {}


def jurisdiction_gazetteer(folder):
    """The gazetteer of a jurisdiction folder, read once per process while the file is unchanged
    (the Open311 API and the web pages of one intake process share it)."""
    path = Path(folder) / "gazetteer.csv"
    try:
        stat = path.stat()
        version = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        version = (str(path.resolve()), None, None)
    if version not in _LOADED:
        _LOADED.clear()
        _LOADED[version] = Gazetteer.from_file(path)
    return _LOADED[version]
