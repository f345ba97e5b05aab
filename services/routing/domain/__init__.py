"""Routing domain: plain Python, no messaging and no database.

Load a jurisdiction once with `load_jurisdiction(folder)`, then call
`decide(request, jurisdiction, open_requests)` for each new request.
"""
from services.routing.domain.business_calendar import BusinessCalendar, business_deadline
from services.routing.domain.config_file import ConfigurationError
from services.routing.domain.decision import (Duplicate, Place, Routed, RoutingRequest, decide,
                                              locate_request, route_manually)
from services.routing.domain.duplicates import DuplicateMatch, OpenRequest, find_open_duplicate
from services.routing.domain.geography import Location
from services.routing.domain.jurisdiction import Jurisdiction, load_jurisdiction
from services.routing.domain.rules import RoutingDecision
from services.routing.domain.service_levels import ServiceLevel
from services.routing.domain.triage import NeedsTriage, TriageReason

__all__ = [
    "BusinessCalendar", "ConfigurationError", "Duplicate", "DuplicateMatch", "Jurisdiction",
    "Location", "NeedsTriage", "OpenRequest", "Place", "Routed", "RoutingDecision",
    "RoutingRequest", "ServiceLevel", "TriageReason", "business_deadline", "decide",
    "find_open_duplicate", "load_jurisdiction", "locate_request", "route_manually",
]
