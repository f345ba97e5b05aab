"""Duplicate detection: a new report of something an open request already covers."""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from services.routing.domain.catalog import ServiceType
from services.routing.domain.config_file import Entry

EARTH_RADIUS_M = 6_371_008.8
MATCHES = ("service", "group")


@dataclass(frozen=True)
class DuplicatePolicy:
    """Reports of `service_codes` within `radius_m` and `window_hours` are one problem."""
    policy_id: str
    radius_m: float
    window_hours: float
    service_codes: frozenset[str]


@dataclass(frozen=True)
class OpenRequest:
    """A request already known to routing; only open, non-duplicate ones can be parents."""
    service_request_id: str
    service_code: str
    lat: float
    long: float
    requested_at: dt.datetime
    is_open: bool = True
    priority: str | None = None
    parent_request_id: str | None = None


class DuplicateMatch(NamedTuple):
    """The open parent a new report duplicates, and how far apart they are."""
    parent_request_id: str
    distance_m: float


def find_open_duplicate(candidate: OpenRequest, open_requests: Iterable[OpenRequest],
                        policy: DuplicatePolicy | None) -> DuplicateMatch | None:
    """The open request `candidate` duplicates, or None.

    A parent is open, not itself a duplicate, of a service the policy groups
    with the candidate's, created no later than the candidate and at most
    `window_hours` before it, and within `radius_m`. An emergency report never
    folds into a parent that is not an emergency: it carries news. Among
    several parents the nearest wins, then the oldest, then the lowest id.
    """
    if policy is None or candidate.service_code not in policy.service_codes:
        return None
    earliest = candidate.requested_at - dt.timedelta(hours=policy.window_hours)
    matches = []
    for parent in open_requests:
        if _may_be_parent(candidate, parent, policy, earliest):
            distance = haversine_m(candidate.lat, candidate.long, parent.lat, parent.long)
            if distance <= policy.radius_m:
                matches.append((distance, parent.requested_at, parent.service_request_id))
    if not matches:
        return None
    distance, _, parent_id = min(matches)
    return DuplicateMatch(parent_id, round(distance, 1))


def _may_be_parent(candidate: OpenRequest, parent: OpenRequest, policy: DuplicatePolicy,
                   earliest: dt.datetime) -> bool:
    return (parent.is_open and parent.parent_request_id is None
            and parent.service_request_id != candidate.service_request_id
            and parent.service_code in policy.service_codes
            and earliest <= parent.requested_at <= candidate.requested_at
            and (candidate.priority != "emergency" or parent.priority == "emergency"))


def haversine_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance in metres between two WGS84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(long2 - long1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


class DuplicatePolicies:
    """The duplicate policy of each service: its own entry, else the default, else none."""

    def __init__(self, policies: dict[str, DuplicatePolicy | None]):
        self._policies = policies

    def for_service(self, service_code: str) -> DuplicatePolicy | None:
        """The policy for this service; None means never a duplicate."""
        return self._policies.get(service_code)


def parse_duplicate_policies(root: Entry, services: dict[str, ServiceType]) -> DuplicatePolicies:
    """Read `duplicate_policies:` (keys: `default` and service codes) of routing_rules.yaml."""
    section = root.optional("duplicate_policies", Entry)
    entries = section.values if section else {}
    for key in entries:
        if key != "default" and key not in services:
            section.fail(f"unknown service code '{key}' in duplicate_policies", key)
    default = entries.get("default")
    return DuplicatePolicies({
        code: _policy(section, code if code in entries else "default", service, services)
        for code, service in services.items() if code in entries or default is not None})


def _policy(section: Entry, key: str, service: ServiceType,
            services: dict[str, ServiceType]) -> DuplicatePolicy | None:
    spec = section.typed(key, Entry).only("radius_m", "window_hours", "match", "detect")
    if spec.optional("detect", bool, True) is False:
        return None
    match = spec.optional("match", str, "service")
    if match not in MATCHES:
        spec.fail(f"unknown match '{match}' (use {', '.join(MATCHES)})", "match")
    codes = {code for code, other in services.items() if other.group == service.group} \
        if match == "group" else {service.code}
    return DuplicatePolicy(f"duplicates.{key}", _positive(spec, "radius_m"),
                           _positive(spec, "window_hours"), frozenset(codes))


def _positive(spec: Entry, key: str) -> float:
    value = spec.require(key, (int, float))
    if value <= 0:
        spec.fail(f"'{key}' must be greater than 0", key)
    return float(value)
