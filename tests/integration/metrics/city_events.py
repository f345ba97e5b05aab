"""A month of a small city's events, made up deterministically, for the metrics service's tests.

Requests land inside the sample jurisdiction's council districts, are routed,
get work orders, and most are closed (some late); a few are duplicates, a few
residents answer the survey, and information contacts come in beside them.
"""
import json
import random
from datetime import timedelta
from pathlib import Path

from shapely.geometry import shape

from shared.events import new_event

ROOT = Path(__file__).resolve().parents[3]
SERVICES = [("POTHOLE", "Pothole", "PW-STREETS", "Public Works – Streets", 3),
            ("WATER_LEAK", "Water leak", "WATERSHED", "Watershed Management", 1),
            ("MISSED_PICKUP", "Missed trash pickup", "SOLID-WASTE", "Solid Waste", 2),
            ("DOWNED_TREE", "Downed tree", "PARKS-FORESTRY", "Parks & Recreation – Forestry", 2)]
CHANNELS = ["phone", "phone", "web", "mobile", "sms"]
PRODUCERS = {"RequestCreated": "intake", "InformationRequestLogged": "intake", "RequestRouted": "routing",
             "RequestDuplicateDetected": "routing", "WorkOrderCreated": "workorders",
             "WorkOrderClosed": "workorders", "SurveyResponded": "notifications"}


def districts(jurisdiction=ROOT / "deploy" / "jurisdictions" / "sample"):
    features = json.loads((jurisdiction / "districts.geojson").read_text())["features"]
    return [(f["properties"]["code"], shape(f["geometry"])) for f in features
            if f["properties"]["kind"] == "council_district"]


def month_of_events(now, requests=120, contacts=60, seed=311):
    """Events (oldest first) of `requests` service requests and `contacts` information contacts."""
    rng = random.Random(seed)
    areas = districts()
    events = []
    for number in range(1, requests + 1):
        events += _request_events(rng, f"26-{number:07d}", now, areas, number)
    for number in range(1, contacts + 1):
        at = now - timedelta(days=rng.uniform(0, 28))
        events.append(_event("InformationRequestLogged", f"info-{number:06d}", at, {
            "contact_id": f"info-{number:06d}", "topic": "Library hours", "article_id": None,
            "department": None, "channel": rng.choice(CHANNELS), "call_taker": "ctaker7",
            "logged_at": at.isoformat()}))
    return sorted(events, key=lambda e: e["occurred_at"])


def _request_events(rng, sid, now, areas, number):
    code, name, department, department_name, sla_days = rng.choice(SERVICES)
    district, polygon = areas[number % len(areas)] if number % 7 else areas[0]  # CD-01 gets more
    point = polygon.representative_point()
    lat, long = point.y + rng.uniform(-0.004, 0.004), point.x + rng.uniform(-0.004, 0.004)
    created = now - timedelta(days=rng.uniform(0.2, 27), hours=rng.uniform(0, 12))
    routed = created + timedelta(minutes=rng.uniform(0.2, 20))
    due = created + timedelta(days=sla_days)
    events = [
        _event("RequestCreated", sid, created, {
            "service_request_id": sid, "jurisdiction_id": "sample.city311.org", "service_code": code,
            "service_name": name, "description": "Sample description", "attributes": {}, "lat": lat,
            "long": long, "address": "55 Trinity Ave SW", "media_url": None, "channel": rng.choice(CHANNELS),
            "client_application": "city311-web", "call_taker": None, "requested_at": created.isoformat()}),
        _event("RequestRouted", sid, routed, {
            "service_request_id": sid, "service_code": code, "department": department,
            "department_name": department_name, "work_order_system": department.lower(), "priority": "normal",
            "district": district, "neighbourhood": None, "due_at": due.isoformat(), "rule_id": "sample",
            "explanation": "sample", "routed_by": "routing", "manual": False, "lat": lat, "long": long})]
    if number % 17 == 0:
        return events + [_event("RequestDuplicateDetected", sid, routed, {
            "service_request_id": sid, "parent_request_id": "26-0000001", "distance_m": 10.0, "rule_id": "sample"})]
    ordered = routed + timedelta(minutes=rng.uniform(1, 60))
    events.append(_event("WorkOrderCreated", sid, ordered, {
        "service_request_id": sid, "work_order_system": department.lower(), "legacy_id": f"WO-{number}",
        "created_at": ordered.isoformat()}))
    closed = created + timedelta(days=rng.uniform(0.1, sla_days * (2.5 if district == "CD-01" else 1.3)))
    if closed < now and rng.random() < 0.8:
        events.append(_event("WorkOrderClosed", sid, closed, {
            "service_request_id": sid, "work_order_system": department.lower(), "legacy_id": f"WO-{number}",
            "update_id": f"{department}:WO-{number}:9", "status": "closed", "legacy_status": "DONE", "note": None,
            "changed_at": closed.isoformat(), "resolution": "Done", "resolution_code": "DONE"}))
        if rng.random() < 0.4:
            events.append(_event("SurveyResponded", sid, closed + timedelta(hours=3), {
                "service_request_id": sid, "fixed": rng.random() < 0.85, "satisfaction": rng.randint(2, 5),
                "has_comment": True, "responded_at": (closed + timedelta(hours=3)).isoformat(),
                "comment": "Call me on 404-555-0134, Ana"}))
    return events


def _event(event_type, correlation_id, at, data):
    return new_event(event_type, data, correlation_id, PRODUCERS[event_type], occurred_at=at.isoformat())
