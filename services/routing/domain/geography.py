"""Where a point lies: inside the city, which council district, neighbourhood and park."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import shapely
from shapely.geometry import Point, shape
from shapely.validation import explain_validity

from services.routing.domain.config_file import ConfigurationError, Entry, load_yaml

AREA_KINDS = ("council_district", "neighbourhood")


@dataclass(frozen=True)
class Area:
    """A named polygon: a council district, a neighbourhood or a park."""
    kind: str
    code: str
    name: str
    geometry: shapely.Geometry = field(compare=False, repr=False)


@dataclass(frozen=True)
class Location:
    """What the city's map says about one point."""
    inside_city: bool
    council_district: Area | None = None
    neighbourhood: Area | None = None
    park: Area | None = None

    @property
    def in_park(self) -> bool:
        """True inside a park polygon."""
        return self.park is not None


class AreaIndex:
    """Areas of one kind in a spatial index; ties on shared borders go to the lowest code."""

    def __init__(self, areas: list[Area]):
        self.areas = sorted(areas, key=lambda area: area.code)
        self._tree = shapely.STRtree([area.geometry for area in self.areas])

    def containing(self, point: Point) -> Area | None:
        """The area that contains or touches the point, or None."""
        hits = self._tree.query(point, predicate="intersects")
        return self.areas[min(hits)] if len(hits) else None

    @property
    def codes(self) -> set[str]:
        """Codes of all areas in the index."""
        return {area.code for area in self.areas}


class Geography:
    """The city limits and the areas inside them."""

    def __init__(self, city_limits: shapely.Geometry, districts: list[Area], parks: list[Area]):
        shapely.prepare(city_limits)
        self.city_limits = city_limits
        self.indexes = {kind: AreaIndex([area for area in districts if area.kind == kind])
                        for kind in AREA_KINDS}
        self.indexes["park"] = AreaIndex(parks)

    def locate(self, lat: float, long: float) -> Location:
        """Locate a WGS84 point; outside the city limits nothing else is looked up."""
        point = Point(long, lat)
        if not self.city_limits.intersects(point):
            return Location(inside_city=False)
        return Location(True, *(self.indexes[kind].containing(point)
                                for kind in ("council_district", "neighbourhood", "park")))

    def codes(self, kind: str) -> set[str]:
        """Codes of the areas of one kind: council_district, neighbourhood or park."""
        return self.indexes[kind].codes


def load_geography(folder: Path) -> Geography:
    """Read city_limits.geojson, districts.geojson and (if present) parks.geojson."""
    limits = _features(folder / "city_limits.geojson")
    if len(limits) != 1:
        raise ConfigurationError(folder / "city_limits.geojson", limits[1].line if limits else 1,
                                 "the city limits must be exactly one (Multi)Polygon feature")
    districts = _areas(folder / "districts.geojson", kind=None)
    parks_file = folder / "parks.geojson"
    parks = _areas(parks_file, kind="park") if parks_file.exists() else []
    return Geography(_polygon(limits[0]), districts, parks)


def _areas(path: Path, kind: str | None) -> list[Area]:
    areas: dict[tuple[str, str], Area] = {}
    for feature in _features(path):
        properties = feature.require("properties", Entry)
        area_kind = kind or properties.require("kind")
        if area_kind not in AREA_KINDS + ("park",):
            properties.fail(f"unknown kind '{area_kind}' (use {', '.join(AREA_KINDS)})", "kind")
        area = Area(area_kind, str(properties.require("code", (str, int))),
                    properties.require("name"), _polygon(feature))
        if (area.kind, area.code) in areas:
            properties.fail(f"duplicate {area.kind} code '{area.code}'", "code")
        areas[area.kind, area.code] = area
    return list(areas.values())


def _features(path: Path) -> list[Entry]:
    collection = load_yaml(path)
    if collection.get("type") != "FeatureCollection":
        collection.fail("a GeoJSON FeatureCollection is expected", "type")
    return collection.entries("features")


def _polygon(feature: Entry) -> shapely.Geometry:
    geometry = feature.require("geometry", Entry)
    if geometry.get("type") not in ("Polygon", "MultiPolygon"):
        geometry.fail(f"invalid polygon: geometry type {geometry.get('type')!r} is not a "
                      "Polygon or MultiPolygon", "type")
    try:
        polygon = shape({"type": geometry.get("type"), "coordinates": geometry.get("coordinates")})
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as error:
        geometry.fail(f"invalid polygon: malformed coordinates ({error})", "coordinates")
    if polygon.is_empty or not polygon.is_valid:
        problem = "it is empty" if polygon.is_empty else explain_validity(polygon)
        geometry.fail(f"invalid polygon: {problem}", "coordinates")
    return polygon
