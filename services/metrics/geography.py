"""What metrics reads of the jurisdiction: its time zone, districts, neighbourhoods, city limits and the
service groups of its catalog (for the open-data export).

Only the data files (deploy/jurisdictions/FORMAT.md), never another service's
code. A missing geography file leaves the map empty instead of stopping the
service: measures do not need it.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

EMPTY = {"type": "FeatureCollection", "features": []}


@dataclass(frozen=True)
class Geography:
    timezone: ZoneInfo = ZoneInfo("UTC")
    name: str = ""
    districts: dict = field(default_factory=lambda: EMPTY)
    neighbourhoods: dict = field(default_factory=lambda: EMPTY)
    city_limits: dict = field(default_factory=lambda: EMPTY)
    service_groups: dict = field(default_factory=dict)  # {service_code: group} from services.yaml

    def areas(self, kind):
        """{code: name} of the council districts (`district`) or neighbourhoods (`neighbourhood`)."""
        collection = self.districts if kind == "district" else self.neighbourhoods
        return {f["properties"]["code"]: f["properties"].get("name", f["properties"]["code"])
                for f in collection["features"]}


def load(folder):
    """Read a jurisdiction folder; a broken jurisdiction.yaml or GeoJSON file raises with its path."""
    folder = Path(folder)
    settings = _yaml(folder / "jurisdiction.yaml")
    areas = _geojson(folder / "districts.geojson")
    return Geography(
        timezone=ZoneInfo(settings.get("timezone", "UTC")), name=settings.get("name", ""),
        districts=_of_kind(areas, "council_district"), neighbourhoods=_of_kind(areas, "neighbourhood"),
        city_limits=_geojson(folder / "city_limits.geojson"),
        service_groups={s["service_code"]: s["group"] for s in _yaml(folder / "services.yaml").get("services", [])
                        if s.get("service_code") and s.get("group")})


def _yaml(path):
    if not path.exists():
        return {}
    with open(path) as handle:
        return yaml.safe_load(handle) or {}


def _geojson(path):
    if not path.exists():
        return EMPTY
    try:
        collection = json.loads(path.read_text())
    except ValueError as exc:
        raise ValueError(f"{path}: not valid GeoJSON: {exc}") from None
    if collection.get("type") != "FeatureCollection":
        raise ValueError(f"{path}: expected a FeatureCollection, got {collection.get('type')!r}")
    return collection


def _of_kind(collection, kind):
    features = [f for f in collection["features"]
                if f.get("properties", {}).get("kind") == kind and f["properties"].get("code")]
    return {"type": "FeatureCollection", "features": features}
