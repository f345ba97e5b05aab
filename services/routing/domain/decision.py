"""The one entry point: what happens to a new service request."""
from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.routing.domain.business_calendar import business_deadline
from services.routing.domain.duplicates import OpenRequest, find_open_duplicate
from services.routing.domain.geography import Location
from services.routing.domain.jurisdiction import Jurisdiction
from services.routing.domain.rules import RoutingDecision
from services.routing.domain.service_levels import ServiceLevel
from services.routing.domain.triage import NeedsTriage, TriageReason


@dataclass(frozen=True)
class RoutingRequest:
    """The parts of RequestCreated that routing needs (field names as in the event)."""
    service_request_id: str
    service_code: str
    requested_at: dt.datetime
    attributes: dict[str, Any] = field(default_factory=dict)
    lat: float | None = None
    long: float | None = None
    address: str | None = None


@dataclass(frozen=True)
class Place:
    """Where the request is, as far as routing could tell."""
    lat: float
    long: float
    matched_address: str | None
    location: Location

    @property
    def district(self) -> str | None:
        """Council district code."""
        return self.location.council_district.code if self.location.council_district else None

    @property
    def neighbourhood(self) -> str | None:
        """Neighbourhood code."""
        return self.location.neighbourhood.code if self.location.neighbourhood else None


@dataclass(frozen=True)
class Routed:
    """Everything RequestRouted needs; `due_at` is UTC."""
    decision: RoutingDecision
    due_at: dt.datetime
    place: Place | None  # None only when a person routed a request routing could not place
    manual: bool = False

    @property
    def district(self) -> str | None:
        """Council district code, if the request could be located."""
        return self.place.district if self.place else None

    @property
    def neighbourhood(self) -> str | None:
        """Neighbourhood code, if the request could be located."""
        return self.place.neighbourhood if self.place else None


@dataclass(frozen=True)
class Duplicate:
    """Everything RequestDuplicateDetected needs."""
    parent_request_id: str
    distance_m: float
    rule_id: str
    explanation: str
    place: Place


def decide(request: RoutingRequest, jurisdiction: Jurisdiction,
           open_requests: Iterable[OpenRequest]) -> Routed | Duplicate | NeedsTriage:
    """Locate the request, route it by the rules, then check it against open requests.

    The service-level clock starts at `request.requested_at`, so a backlog on
    the bus does not eat into a department's time.
    """
    place = locate_request(request, jurisdiction)
    if isinstance(place, NeedsTriage):
        return place
    decision = jurisdiction.rulebook.route(request, place.location)
    if isinstance(decision, NeedsTriage):
        return dataclasses.replace(decision, district=place.district, neighbourhood=place.neighbourhood)
    policy = jurisdiction.duplicate_policies.for_service(request.service_code)
    candidate = OpenRequest(request.service_request_id, request.service_code, place.lat,
                            place.long, request.requested_at, priority=decision.priority)
    match = find_open_duplicate(candidate, open_requests, policy)
    if match:
        return Duplicate(match.parent_request_id, match.distance_m, policy.policy_id,
                         f"{request.service_code} within {policy.radius_m:g} m and "
                         f"{policy.window_hours:g} h of open request {match.parent_request_id} "
                         f"({match.distance_m:g} m away).", place)
    return Routed(decision, _due_at(request, jurisdiction, decision), place)


def route_manually(request: RoutingRequest, jurisdiction: Jurisdiction, department: str,
                   priority: str, service_level: ServiceLevel, routed_by: str) -> Routed:
    """A person routes a triaged request; the deadline follows the department's calendar."""
    chosen = jurisdiction.departments[department]
    place = locate_request(request, jurisdiction)
    decision = RoutingDecision(chosen.code, chosen.name, chosen.work_order_system, priority,
                               service_level, "manual", f"Routed by hand by {routed_by}.")
    return Routed(decision, _due_at(request, jurisdiction, decision),
                  place if isinstance(place, Place) else None, manual=True)


def locate_request(request: RoutingRequest, jurisdiction: Jurisdiction) -> Place | NeedsTriage:
    """Coordinates win over the address; an address must resolve to one known address."""
    if request.lat is not None and request.long is not None:
        lat, long, matched = request.lat, request.long, None
    elif request.address:
        match = jurisdiction.gazetteer.resolve(request.address)
        if match is None:
            return NeedsTriage(TriageReason.ADDRESS_UNRESOLVED,
                               f"address '{request.address}' is unknown or ambiguous")
        lat, long, matched = match
    else:
        return NeedsTriage(TriageReason.ADDRESS_UNRESOLVED, "the request has no location")
    location = jurisdiction.geography.locate(lat, long)
    if not location.inside_city:
        return NeedsTriage(TriageReason.OUTSIDE_CITY,
                           f"location {lat:.6f}, {long:.6f} is outside the city limits")
    return Place(lat, long, matched, location)


def _due_at(request: RoutingRequest, jurisdiction: Jurisdiction,
            decision: RoutingDecision) -> dt.datetime:
    calendar = jurisdiction.calendars[decision.department]
    return business_deadline(request.requested_at, decision.service_level, calendar)
