"""The traffic: information contacts and service requests as a city's residents and call-takers make them.

Everything comes from the sample jurisdiction's own files: the catalog's services and
their questions (services.yaml), where the city is (city_limits.geojson, council
districts in districts.geojson), addresses residents type (gazetteer.csv), what
callers ask (knowledge.yaml). Proportions are in bench/profile.yaml.
"""
import bisect
import csv
import json
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from shapely.geometry import Point, shape
from shapely.prepared import prep

SERVICE_REQUEST, INFORMATION = "service_request", "information"
METRES_PER_DEGREE = 111_320


@dataclass(frozen=True)
class Planned:
    """One contact to make: what it is and the form the driver sends."""
    kind: str                       # SERVICE_REQUEST or INFORMATION
    subject: str                    # service code, or knowledge article id
    department: str | None          # the catalog's department of a service request
    form: dict = field(repr=False)
    reporter: str                   # email / phone / none, or the call-taker's index for information
    planned_duplicate: bool = False
    address_only: bool = False


class RequestMix:
    """Draws contacts at random, repeatably for a given seed."""

    def __init__(self, profile, root, seed=311, tag="bench"):
        self.mix = profile["mix"]
        self.random = random.Random(seed)
        self.tag = tag
        self.call_takers = len(profile["call_takers"])
        place = Path(root) / profile["jurisdiction_dir"]
        self.services = yaml.safe_load((place / "services.yaml").read_text())["services"]
        self.articles = [a["id"] for a in yaml.safe_load((place / "knowledge.yaml").read_text())["articles"]]
        self.no_duplicates = _undetected_services(place / "routing_rules.yaml")
        city = shape(json.loads((place / "city_limits.geojson").read_text())["features"][0]["geometry"])
        self.districts = _council_districts(place / "districts.geojson", city)
        inside = prep(city)
        self.addresses = [row["address"] for row in csv.DictReader((place / "gazetteer.csv").open())
                          if inside.contains(Point(float(row["long"]), float(row["lat"])))]
        self._recent = deque(maxlen=5000)   # (made_at, service, lat, long): parents for duplicates
        self._count = 0
        self._phone_base = random.Random(tag).randrange(10**6)

    def departments(self):
        return sorted({s["department"] for s in self.services})

    def next(self, now):
        """The next contact, made at wall-clock time `now` (seconds)."""
        self._count += 1
        if self.random.random() < self.mix["information_share"]:
            return self._information()
        if self.random.random() < self.mix["duplicate_share"]:
            duplicate = self._duplicate(now)
            if duplicate:
                return duplicate
        return self._service_request(now)

    def _information(self):
        article = self.random.choice(self.articles)
        channel = _weighted(self.random, self.mix["information_channels"])
        return Planned(INFORMATION, article, None, {"article": article, "channel": channel, "q": ""},
                       reporter=str(self.random.randrange(self.call_takers)))

    def _service_request(self, now):
        service = self.random.choice(self.services)
        address_only = self.random.random() < self.mix["address_only_share"]
        location = ({"address_string": self.random.choice(self.addresses)} if address_only
                    else self._point(service["service_code"], now))
        return self._request(service, location, address_only=address_only)

    def _duplicate(self, now):
        """The same problem again, a few metres from a request made at least a few seconds ago."""
        newest = bisect.bisect_right([r[0] for r in self._recent], now - self.mix["duplicate_after_seconds"])
        if newest == 0:
            return None
        _, code, lat, long = self._recent[self.random.randrange(newest)]
        service = next(s for s in self.services if s["service_code"] == code)
        metres = self.random.uniform(1, 8) / METRES_PER_DEGREE
        location = {"lat": f"{lat + metres:.6f}", "long": f"{long - metres:.6f}"}
        return self._request(service, location, planned_duplicate=True)

    def _point(self, code, now):
        district, box = self.random.choice(self.districts)
        while True:
            lat, long = self.random.uniform(box[1], box[3]), self.random.uniform(box[0], box[2])
            if district.contains(Point(long, lat)):
                break
        if code not in self.no_duplicates:
            self._recent.append((now, code, lat, long))
        return {"lat": f"{lat:.6f}", "long": f"{long:.6f}"}

    def _request(self, service, location, planned_duplicate=False, address_only=False):
        reporter = _weighted(self.random, self.mix["reporter_contact"])
        form = {"api_key": _weighted(self.random, self.mix["applications"]),
                "service_code": service["service_code"],
                "description": f"{service['service_name']} reported by the benchmark ({self.tag})",
                **location, **self._answers(service), **self._contact(reporter)}
        return Planned(SERVICE_REQUEST, service["service_code"], service["department"], form, reporter,
                       planned_duplicate, address_only)

    def _answers(self, service):
        answers = {}
        for attribute in service.get("attributes", []):
            if not attribute.get("variable", True):
                continue
            if attribute.get("required") or self.random.random() < self.mix["optional_attribute_share"]:
                key, value = self._answer(attribute)
                answers[key] = value
        return answers

    def _answer(self, attribute):
        code, kind = attribute["code"], attribute["datatype"]
        keys = [v["key"] for v in attribute.get("values", [])]
        if kind == "singlevaluelist":
            return f"attribute[{code}]", self.random.choice(keys)
        if kind == "multivaluelist":
            return f"attribute[{code}][]", self.random.sample(keys, self.random.randint(1, len(keys)))
        if kind == "number":
            return f"attribute[{code}]", str(self.random.randint(1, 20))
        if kind == "datetime":
            when = datetime.now(timezone.utc) - timedelta(hours=self.random.randint(2, 48))
            return f"attribute[{code}]", when.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"attribute[{code}]", f"benchmark answer {self.random.randint(1, 999)}"

    def _contact(self, reporter):
        if reporter == "email":
            return {"email": f"resident-{self.tag}-{self._count}@example.org"}
        if reporter == "phone":   # a new number each time (the per-recipient rate limit is not under test)
            n = self._phone_base + self._count
            return {"phone": f"404-{200 + n // 10_000 % 800}-{n % 10_000:04d}"}
        return {}


def _weighted(rng, shares):
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _council_districts(path, city):
    features = json.loads(path.read_text())["features"]
    areas = [shape(f["geometry"]).intersection(city) for f in features
             if f["properties"].get("kind") == "council_district"]
    return [(prep(area), area.bounds) for area in areas if not area.is_empty]


def _undetected_services(path):
    policies = yaml.safe_load(path.read_text()).get("duplicate_policies", {})
    return {code for code, policy in policies.items() if policy.get("detect") is False}
