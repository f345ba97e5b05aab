"""Routing's event handlers: decide for each new request, keep the set of open requests."""
import dataclasses
import hashlib
import math
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text

from services.routing.domain.decision import Duplicate, Routed, RoutingRequest, decide, locate_request
from services.routing.domain.duplicates import OpenRequest
from services.routing.domain.triage import NeedsTriage, TriageReason
from services.routing.models import RoutedRequest

CONSUMER = "routing"
# Only open requests this close (degrees, ~1.1 km) and recent can be parents; the domain checks precisely.
NEARBY_DEGREES = 0.01
DUPLICATE_HORIZON = timedelta(days=30)
EXPLANATION_LIMIT = 1000  # RequestRouted.explanation
METRES_PER_DEGREE = 111_320   # of latitude; of longitude times cos(latitude)
_ADVISORY_LOCK = text("SELECT pg_advisory_xact_lock(:id)")


def _now():
    return datetime.now(timezone.utc)


def aware(value):
    """SQLite hands back naive datetimes; everything routing stores is UTC."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def route_request(uow, event, jurisdiction):
    """A new request: routed, a duplicate of an open one, or waiting in triage."""
    if not uow.claim(event, f"{CONSUMER}.route_request"):
        return
    data = event["data"]
    request = RoutingRequest(data["service_request_id"], data["service_code"],
                             datetime.fromisoformat(data["requested_at"]), data.get("attributes") or {},
                             data.get("lat"), data.get("long"), data.get("address"))
    row = RoutedRequest(service_request_id=request.service_request_id, service_code=request.service_code,
                        service_name=data["service_name"], attributes=request.attributes, description=data.get("description") or "",
                        address=request.address, lat=request.lat, long=request.long,
                        requested_at=request.requested_at, outcome="pending", open=True,
                        decided_by="routing", decided_at=_now())
    uow.session.add(row)
    outcome = decide(request, jurisdiction, _open_near(uow.session, request, jurisdiction))
    _apply(uow, row, outcome)


def _open_near(session, request, jurisdiction):
    """Open routed requests around the new one (located by coordinates or by its address)."""
    place = locate_request(request, jurisdiction)
    if isinstance(place, NeedsTriage):
        return []
    _wait_for_neighbours(session, request.service_code, place,
                         jurisdiction.duplicate_policies.for_service(request.service_code))
    rows = session.execute(select(RoutedRequest).where(
        RoutedRequest.open.is_(True), RoutedRequest.outcome == "routed",
        RoutedRequest.lat.between(place.lat - NEARBY_DEGREES, place.lat + NEARBY_DEGREES),
        RoutedRequest.long.between(place.long - NEARBY_DEGREES, place.long + NEARBY_DEGREES),
        RoutedRequest.requested_at >= request.requested_at - DUPLICATE_HORIZON)).scalars()
    return [OpenRequest(r.service_request_id, r.service_code, r.lat, r.long, aware(r.requested_at),
                        priority=r.priority) for r in rows]


def _wait_for_neighbours(session, service_code, place, policy):
    """One routing transaction at a time for reports that could be one problem (PostgreSQL).

    Two reports of one downed tree routed at once would each miss the other (neither committed)
    and both get a work order. Each report takes a transaction lock on its own (service, cell) and,
    if its service has a duplicate policy, on every (service it may fold into, cell) its radius
    touches: a report and any parent it could have then share one lock, the later waits for the
    earlier's commit and finds it. Reports far apart or of unrelated services do not wait. SQLite
    needs none of this: its writers take turns, and routing writes (the inbox) before it looks.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = {(service_code, cell) for cell in _cells(place.lat, place.long, 0.0)}
    if policy is not None:
        keys |= {(code, cell) for code in policy.service_codes
                 for cell in _cells(place.lat, place.long, policy.radius_m)}
    for lock_id in sorted(_lock_id(*key) for key in keys):   # one order everywhere: no deadlock
        session.execute(_ADVISORY_LOCK, {"id": lock_id})


def _cells(lat, long, radius_m):
    """The grid cells (NEARBY_DEGREES square) that a disc of `radius_m` around a point touches."""
    d_lat = radius_m / METRES_PER_DEGREE
    d_long = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    rows = range(math.floor((lat - d_lat) / NEARBY_DEGREES), math.floor((lat + d_lat) / NEARBY_DEGREES) + 1)
    columns = range(math.floor((long - d_long) / NEARBY_DEGREES), math.floor((long + d_long) / NEARBY_DEGREES) + 1)
    return {(row, column) for row in rows for column in columns}


def _lock_id(service_code, cell):
    """A signed 64-bit advisory lock id, the same in every process (Python's hash() is not)."""
    digest = hashlib.blake2b(f"routing.duplicates:{service_code}:{cell[0]}:{cell[1]}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _apply(uow, row, outcome):
    if isinstance(outcome, Routed):
        record_routed(uow, row, outcome)
    elif isinstance(outcome, Duplicate):
        _duplicate(uow, row, outcome)
    else:
        record_triage(uow, row, outcome)


def _place(row, place):
    if place is not None:
        row.lat, row.long = place.lat, place.long
        row.district, row.neighbourhood = place.district, place.neighbourhood


def record_routed(uow, row, routed, routed_by="routing"):
    """Keep the decision (to explain it later) and publish RequestRouted."""
    decision = dataclasses.replace(routed.decision, explanation=_fit(routed.decision.explanation))
    _place(row, routed.place)
    row.outcome, row.department, row.work_order_system = "routed", decision.department, decision.work_order_system
    row.priority, row.due_at, row.rule_id = decision.priority, routed.due_at, decision.rule_id
    row.explanation, row.decided_by, row.decided_at = decision.explanation, routed_by, _now()
    row.triage_reason_code = row.triage_reason = row.parent_request_id = None
    uow.publish("RequestRouted", {
        "service_request_id": row.service_request_id, "service_code": row.service_code,
        "department": decision.department, "department_name": decision.department_name,
        "work_order_system": decision.work_order_system, "priority": decision.priority,
        "district": row.district, "neighbourhood": row.neighbourhood,
        "due_at": routed.due_at.isoformat(), "rule_id": decision.rule_id,
        "explanation": decision.explanation, "routed_by": routed_by, "manual": routed.manual,
        "description": row.description, "service_name": row.service_name, "attributes": row.attributes or {},
        "address": row.address, "lat": row.lat, "long": row.long},
        correlation_id=row.service_request_id)


def _duplicate(uow, row, duplicate):
    _place(row, duplicate.place)
    row.outcome, row.parent_request_id = "duplicate", duplicate.parent_request_id
    row.rule_id, row.explanation = duplicate.rule_id, duplicate.explanation
    uow.publish("RequestDuplicateDetected", {
        "service_request_id": row.service_request_id, "parent_request_id": duplicate.parent_request_id,
        "distance_m": round(duplicate.distance_m, 1), "rule_id": duplicate.rule_id},
        correlation_id=row.service_request_id)


def _fit(explanation):
    """RequestRouted carries at most EXPLANATION_LIMIT characters of explanation."""
    return explanation if len(explanation) <= EXPLANATION_LIMIT else explanation[:EXPLANATION_LIMIT - 1] + "…"


def record_triage(uow, row, triage):
    """Put the request on the triage list with its reason and publish RequestNeedsTriage."""
    row.outcome, row.district, row.neighbourhood = "triage", triage.district, triage.neighbourhood
    row.triage_reason_code, row.triage_reason = triage.reason_code.value, triage.reason
    uow.publish("RequestNeedsTriage", {
        "service_request_id": row.service_request_id, "reason_code": triage.reason_code.value,
        "reason": triage.reason}, correlation_id=row.service_request_id)


def work_order_closed(uow, event):
    """A closed request can no longer be anyone's parent; its duplicates close with it."""
    if not uow.claim(event, f"{CONSUMER}.work_order_closed"):
        return
    closed = event["data"]["service_request_id"]
    for row in uow.session.execute(select(RoutedRequest).where(
            (RoutedRequest.service_request_id == closed) | (RoutedRequest.parent_request_id == closed))).scalars():
        row.open = False


def work_order_failed(uow, event):
    """The legacy system would not take it: a person decides what happens next."""
    if not uow.claim(event, f"{CONSUMER}.work_order_failed"):
        return
    row = uow.session.get(RoutedRequest, event["data"]["service_request_id"])
    if row is None:
        raise LookupError(f"no routed request {event['data']['service_request_id']}")
    record_triage(uow, row, NeedsTriage(TriageReason.WORK_ORDER_FAILED, event["data"]["reason"],
                                        row.district, row.neighbourhood))


def work_order_created(uow, event):
    """A request that waited in triage because its work order failed is routed after all."""
    if not uow.claim(event, f"{CONSUMER}.work_order_created"):
        return
    row = uow.session.get(RoutedRequest, event["data"]["service_request_id"])
    if row is not None and row.triage_reason_code == TriageReason.WORK_ORDER_FAILED.value:
        row.outcome, row.triage_reason_code, row.triage_reason = "routed", None, None


def survey_responded(uow, event, jurisdiction=None):
    """A resident says the problem was not fixed: the request goes on the follow-up list for staff, or, when the
    jurisdiction says so (`reopen_on_not_fixed`), is reopened at once."""
    if not uow.claim(event, f"{CONSUMER}.survey_responded"):
        return
    data = event["data"]
    if data["fixed"]:
        return
    row = uow.session.get(RoutedRequest, data["service_request_id"], with_for_update=True)
    if row is None:
        raise LookupError(f"no routed request {data['service_request_id']}")
    answered_at = datetime.fromisoformat(data["responded_at"])
    if row.not_fixed_at is not None and row.followed_up_at is None and answered_at < aware(row.not_fixed_at):
        return  # another reporter's later answer already waits
    row.not_fixed_at, row.not_fixed_comment = answered_at, data.get("comment")
    row.followed_up_by = row.followed_up_at = row.follow_up_note = None
    if jurisdiction is not None and jurisdiction.reopen_on_not_fixed and reopenable(row) is None:
        comment = (data.get("comment") or "").strip()
        reason = f"The resident answered the survey: not fixed. {comment}".strip()
        reopen(uow, row, reason, SURVEY_REOPENER)


SURVEY_REOPENER = "resident-survey"
REOPEN_REASON_LIMIT = 300   # RequestReopened.reason


def reopenable(row):
    """None when the request can be reopened now, else why not (for a 409)."""
    if row.open:
        return f"request {row.service_request_id} is not closed"
    if row.outcome != "routed" or not row.work_order_system:
        return f"request {row.service_request_id} has no work order of its own to reopen (it was {row.outcome})"
    return None


def reopen(uow, row, reason, reopened_by):
    """Open a closed request again: RequestReopened goes out (workorders asks the department), and a "not fixed"
    answer waiting on the follow-up list is settled by it."""
    now = _now()
    reason = reason if len(reason) <= REOPEN_REASON_LIMIT else reason[:REOPEN_REASON_LIMIT - 1] + "…"
    row.open = True
    if row.not_fixed_at is not None and row.followed_up_at is None:
        row.followed_up_by, row.followed_up_at, row.follow_up_note = reopened_by, now, f"Reopened: {reason}"
    uow.publish("RequestReopened", {
        "service_request_id": row.service_request_id, "work_order_system": row.work_order_system,
        "reason": reason, "reopened_by": reopened_by, "reopened_at": now.isoformat()},
        correlation_id=row.service_request_id)
