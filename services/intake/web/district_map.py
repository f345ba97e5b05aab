"""A simple clickable map of the council districts (districts.geojson) as inline SVG."""
import json
import math
from dataclasses import dataclass
from pathlib import Path

WIDTH = 600


@dataclass(frozen=True)
class DistrictShape:
    code: str
    name: str
    path: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class DistrictMap:
    """SVG paths in a `WIDTH` × `height` box; `west`, `north` and `scale` turn a click back into lat/long."""
    shapes: tuple
    height: int
    west: float
    north: float
    x_scale: float
    y_scale: float

    def point(self, lat, long):
        """The SVG x, y of a lat/long (for the marker of a chosen point)."""
        return round((long - self.west) * self.x_scale, 1), round((self.north - lat) * self.y_scale, 1)


def load_district_map(path):
    """The council districts of a districts.geojson, projected (equirectangular) to fit WIDTH."""
    path = Path(path)
    if not path.exists():
        return None
    features = [f for f in json.loads(path.read_text(encoding="utf-8"))["features"]
                if f["properties"].get("kind") == "council_district"]
    rings = [(f, ring) for f in features for ring in _rings(f["geometry"])]
    longs = [x for _, ring in rings for x, _ in ring]
    lats = [y for _, ring in rings for _, y in ring]
    west, east, south, north = min(longs), max(longs), min(lats), max(lats)
    x_scale = WIDTH / (east - west)
    y_scale = x_scale / math.cos(math.radians((north + south) / 2))  # degrees of longitude are shorter
    height = round((north - south) * y_scale)
    shapes = []
    for feature in features:
        points = [(round((x - west) * x_scale, 1), round((north - y) * y_scale, 1))
                  for ring in _rings(feature["geometry"]) for x, y in ring]
        path_data = " ".join("M" + " L".join(f"{x},{y}" for x, y in
                                               [(round((x - west) * x_scale, 1), round((north - y) * y_scale, 1))
                                                for x, y in ring]) + " Z"
                             for ring in _rings(feature["geometry"]))
        shapes.append(DistrictShape(feature["properties"]["code"], feature["properties"]["name"], path_data,
                                    round(sum(p[0] for p in points) / len(points), 1),
                                    round(sum(p[1] for p in points) / len(points), 1)))
    return DistrictMap(tuple(shapes), height, west, north, x_scale, y_scale)


def _rings(geometry):
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"][0]]
    return [polygon[0] for polygon in geometry["coordinates"]]
