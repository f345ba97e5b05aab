"""Known street addresses of the city (gazetteer.csv) and tolerant lookup."""
from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

from services.routing.domain.config_file import ConfigurationError
from services.routing.domain.street_address import StreetAddress, parse_street_address

COLUMNS = ("address", "lat", "long")


class GazetteerMatch(NamedTuple):
    """Where a resolved address is, and the gazetteer's own spelling of it."""
    lat: float
    long: float
    matched_address: str


class Gazetteer:
    """Resolves what a resident typed to one known address, or to nothing."""

    def __init__(self, entries: list[tuple[StreetAddress, GazetteerMatch]]):
        self._by_street: dict[tuple[str, str], list] = defaultdict(list)
        for parsed, match in entries:
            self._by_street[parsed.number, parsed.name].append((parsed, match))

    def __len__(self) -> int:
        return sum(len(candidates) for candidates in self._by_street.values())

    def resolve(self, address_text: str) -> GazetteerMatch | None:
        """The one known address `address_text` can mean, or None if unknown or ambiguous.

        Case, punctuation, unit numbers, long or short suffixes and directions
        ("Street"/"St", "Northeast"/"NE") do not matter, and the suffix or the
        quadrant may be left out as long as only one known address fits.
        """
        wanted = parse_street_address(address_text or "")
        if wanted is None:
            return None
        fitting = [match for known, match in self._by_street.get((wanted.number, wanted.name), [])
                   if wanted.accepts(known)]
        return fitting[0] if len(fitting) == 1 else None


def load_gazetteer(path: Path) -> Gazetteer:
    """Read gazetteer.csv (`address,lat,long`, optional further columns such as `note`)."""
    try:
        with open(path, encoding="utf-8", newline="") as stream:
            rows = csv.DictReader(stream)
            if not set(COLUMNS) <= set(rows.fieldnames or ()):
                raise ConfigurationError(path, 1, f"the header must name the columns {', '.join(COLUMNS)}")
            return Gazetteer(_entries(path, rows))
    except FileNotFoundError:
        raise ConfigurationError(path, None, "file is missing") from None


def _entries(path: Path, rows: csv.DictReader) -> list[tuple[StreetAddress, GazetteerMatch]]:
    entries, seen = [], {}
    for row in rows:
        line = rows.line_num
        parsed = parse_street_address(row["address"] or "")
        if parsed is None:
            raise ConfigurationError(path, line, f"address {row['address']!r} has no house number and street")
        if parsed in seen:
            raise ConfigurationError(path, line, f"duplicate address {row['address']!r} (first on line {seen[parsed]})")
        seen[parsed] = line
        entries.append((parsed, GazetteerMatch(*_coordinates(path, line, row), row["address"])))
    return entries


def _coordinates(path: Path, line: int, row: dict) -> tuple[float, float]:
    try:
        lat, long = float(row["lat"]), float(row["long"])
    except (TypeError, ValueError):
        raise ConfigurationError(path, line, f"lat/long {row['lat']!r}, {row['long']!r} are not numbers") from None
    if not (-90 <= lat <= 90 and -180 <= long <= 180):
        raise ConfigurationError(path, line, f"lat/long {lat}, {long} are out of range")
    return lat, long
