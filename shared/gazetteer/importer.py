"""Address points from open data into the jurisdiction's gazetteer.csv.

Reads OpenAddresses CSV (LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH; the
header in any case) and GeoJSON address points (a FeatureCollection, or one Feature per line as
OpenAddresses publishes them, with properties number/street/unit/city/postcode). The gazetteer
holds street addresses: points that differ only by unit become one. A row that cannot be read is
skipped and reported with its line (or feature) number, never dropped silently.
"""
import csv
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from shared.gazetteer.parsing import DIRECTIONS, quick_key

GAZETTEER_FILE = "gazetteer.csv"
OUTPUT_COLUMNS = ["address", "lat", "long", "note"]
CSV_COLUMNS = ("LON", "LAT", "NUMBER", "STREET")
# What every reader of gazetteer.csv accepts as a house number (routing's street_address too).
_HOUSE_NUMBER = re.compile(r"^\d+[A-Za-z]?$")


class ImportFileError(Exception):
    """The file as a whole cannot be read (unknown format, missing columns, broken JSON)."""


@dataclass(frozen=True)
class Skipped:
    where: str       # "line 12" or "feature 3"
    reason: str


@dataclass
class ImportReport:
    read: int = 0
    added: int = 0
    already_known: int = 0     # the gazetteer had this street address before the import
    merged: int = 0            # the street address again (another unit, or a repeat) in this file
    skipped: list = field(default_factory=list)


@dataclass(frozen=True)
class AddressPoint:
    address: str
    lat: float
    long: float


def read_points(path):
    """Yield (where, AddressPoint or Skipped, has_unit) for every row of an OpenAddresses CSV or GeoJSON file."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        start = handle.read(1024).lstrip()
        handle.seek(0)
        if start.startswith("{"):
            yield from _geojson_points(handle)
        else:
            yield from _csv_points(handle)


def _csv_points(handle):
    rows = csv.reader(handle)
    header = next(rows, None)
    if header is None:
        raise ImportFileError("the file is empty")
    columns = {name.strip().upper(): i for i, name in enumerate(header)}
    missing = [name for name in CSV_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(f"line 1: the header lacks the column(s) {', '.join(missing)} "
                              f"(OpenAddresses CSV: LON,LAT,NUMBER,STREET,UNIT,CITY,...)")
    for row in rows:
        where = f"line {rows.line_num}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            yield where, Skipped(where, f"{len(row)} fields where the header has {len(header)}"), False
            continue
        cell = {name: row[i].strip() for name, i in columns.items()}
        yield where, _point(where, cell["LON"], cell["LAT"], cell["NUMBER"], cell["STREET"]), bool(cell.get("UNIT"))


def _geojson_points(handle):
    if not _one_feature_per_line(handle):
        try:
            document = json.load(handle)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"line {exc.lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection" \
                or not isinstance(document.get("features"), list):
            raise ImportFileError("a GeoJSON file must be a FeatureCollection with a features list, "
                                  "or one Feature per line")
        for number, feature in enumerate(document["features"], start=1):
            where = f"feature {number}"
            yield (where, *_feature_point(where, feature))
        return
    for line_number, line in enumerate(handle, start=1):   # one Feature per line (OpenAddresses' .geojson)
        if not line.strip():
            continue
        where = f"line {line_number}"
        try:
            feature = json.loads(line)
        except json.JSONDecodeError as exc:
            yield where, Skipped(where, f"not valid JSON ({exc.msg})"), False
            continue
        yield (where, *_feature_point(where, feature))


def _one_feature_per_line(handle):
    """True for OpenAddresses' line-delimited GeoJSON (each line a whole Feature); rewinds."""
    first = handle.readline()
    handle.seek(0)
    try:
        return json.loads(first).get("type") == "Feature"
    except (json.JSONDecodeError, AttributeError):
        return False


def _feature_point(where, feature):
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return Skipped(where, "not a GeoJSON Feature"), False
    geometry, properties = feature.get("geometry") or {}, feature.get("properties") or {}
    if geometry.get("type") != "Point" or not isinstance(geometry.get("coordinates"), list) \
            or len(geometry["coordinates"]) < 2:
        return Skipped(where, "the geometry is not a Point with [long, lat]"), False
    long, lat = geometry["coordinates"][:2]
    text = {name: str(properties.get(name) or "").strip() for name in ("number", "street", "unit")}
    return _point(where, long, lat, text["number"], text["street"]), bool(text["unit"])


def _point(where, long, lat, number, street):
    try:
        lat, long = float(lat), float(long)
    except (TypeError, ValueError):
        return Skipped(where, f"coordinates {long!r}, {lat!r} are not numbers")
    if not (-90 <= lat <= 90 and -180 <= long <= 180) or lat != lat or long != long:
        return Skipped(where, f"coordinates {long}, {lat} are out of range (long, lat)")
    if not number or not street:
        return Skipped(where, "a house number and a street are both needed")
    if not _HOUSE_NUMBER.match(number):
        return Skipped(where, f"house number {number!r} is not a number (with at most one letter)")
    if not quick_key(street):
        return Skipped(where, f"street {street!r} has no letters or digits")
    return AddressPoint(f"{number.upper()} {_city_spelling(street)}", lat, long)


def _city_spelling(street):
    """STREET as people write it: "PEACHTREE ST NE" → "Peachtree St NE"; mixed case is kept."""
    street = " ".join(street.split())
    if street != street.upper():
        return street
    return " ".join(w if w.lower() in DIRECTIONS else (w.lower() if w[:1].isdigit() else w.capitalize())
                    for w in street.split())


def import_points(source, jurisdiction_dir, replace=False):
    """Add the address points of `source` to the jurisdiction's gazetteer.csv (or replace its
    addresses with them); the file is rewritten atomically. Returns an ImportReport."""
    folder = Path(jurisdiction_dir)
    if not folder.is_dir():
        raise ImportFileError(f"{folder} is not a folder")
    target = folder / GAZETTEER_FILE
    columns, kept = (OUTPUT_COLUMNS, []) if replace or not target.exists() else _existing(target)
    before = {quick_key(row["address"]) for row in kept}
    report, added = ImportReport(), {}
    for _where, point, _has_unit in read_points(source):
        report.read += 1
        if isinstance(point, Skipped):
            report.skipped.append(point)
            continue
        key = quick_key(point.address)
        if key in before:
            report.already_known += 1
        elif key in added:
            report.merged += 1
        else:
            added[key] = point
    rows = kept + [{"address": p.address, "lat": f"{p.lat:.6f}", "long": f"{p.long:.6f}"}
                   for _, p in sorted(added.items())]
    _write(target, columns, rows)
    report.added = len(added)
    return report


def _existing(target):
    with target.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle)
        columns = list(rows.fieldnames or [])
        if not {"address", "lat", "long"} <= set(columns):
            raise ImportFileError(f"{target}:1: the header must name the columns address, lat, long")
        return columns, [row for row in rows if (row.get("address") or "").strip()]


def _write(target, columns, rows):
    partial = target.with_name(target.name + ".importing")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, target)
