"""What staff do with routing: read the triage list, route or re-route by hand, un-mark a
false duplicate, follow up a resident's "not fixed" survey answer, and look up why a request went where it did."""
import dataclasses
import json
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select

from services.routing.domain.decision import Routed, RoutingRequest, decide, locate_request, route_manually
from services.routing.domain.rules import PRIORITIES
from services.routing.domain.service_levels import ServiceLevel
from services.routing.domain.triage import NeedsTriage
from services.routing.handlers import aware, record_routed, record_triage, reopen, reopenable
from services.routing.models import RoutedRequest
from shared import roles

MANUAL_SERVICE_LEVEL = ServiceLevel("business_days", 3)
LIMITS = {"reason": 300, "department": 60}


class UnknownRequest(LookupError):
    """Routing has never seen this request (HTTP 404)."""


class BadInput(ValueError):
    """The body of a staff action is wrong; the message says how (HTTP 400)."""


class Conflict(Exception):
    """The request's state does not allow the action: closed, or not a duplicate (HTTP 409)."""


@dataclass(frozen=True)
class StaffAction:
    """Who acts and why; `department` and `priority` only for routing by hand."""
    staff: str
    reason: str
    department: str | None = None
    priority: str = "normal"
    role: str | None = None     # the staff member's role, from the service token (shared/roles.py)


def read_staff_action(text, staff, needs_department):
    """Parse and check the JSON body of an action by `staff` (from the service token); BadInput names the problem.

    A body naming the staff member is refused, not ignored: a client that still sends one expects it to count.
    """
    try:
        body = json.loads(text or "{}")
    except ValueError:
        raise BadInput("the body must be JSON") from None
    if not isinstance(body, dict):
        raise BadInput("the body must be a JSON object")
    if "staff" in body:
        raise BadInput("the acting staff member comes from the service token, not from the body: remove 'staff'")
    required = ("department", "reason") if needs_department else ("reason",)
    missing = [key for key in required if not body.get(key)]
    if missing:
        raise BadInput(f"missing: {', '.join(missing)}")
    for key, limit in LIMITS.items():
        value = body.get(key)
        if value is not None and (not isinstance(value, str) or len(value) > limit):
            raise BadInput(f"'{key}' must be text of at most {limit} characters")
    priority = body.get("priority") or "normal"
    if priority not in PRIORITIES:
        raise BadInput(f"unknown priority {priority!r}; use {', '.join(PRIORITIES)}")
    return StaffAction(staff, body["reason"], body.get("department"), priority)


def triage_list(session):
    """Requests waiting for a person, oldest first."""
    rows = session.execute(select(RoutedRequest).where(RoutedRequest.outcome == "triage", RoutedRequest.open.is_(True))
                           .order_by(RoutedRequest.requested_at)).scalars()
    return [{"service_request_id": r.service_request_id, "service_code": r.service_code,
             "reason_code": r.triage_reason_code, "reason": r.triage_reason, "address": r.address,
             "lat": r.lat, "long": r.long, "district": r.district,
             "requested_at": aware(r.requested_at).isoformat()} for r in rows]


def route_by_hand(uow, jurisdiction, service_request_id, action):
    """Staff route a triaged request (or re-route a routed one); RequestRouted says who and why.

    Returns the answer for the API. The service level is the one the rules give this service, or three business days.
    """
    row = _open_request(uow.session, service_request_id)
    roles.require(action.role, roles.ROUTE_TRIAGED if row.outcome == "triage" else roles.REROUTE)
    if action.department not in jurisdiction.departments:
        raise BadInput(f"unknown department {action.department!r}; "
                       f"known: {', '.join(sorted(jurisdiction.departments))}")
    request = _request(row)
    routed = route_manually(request, jurisdiction, action.department, action.priority,
                            _service_level(request, jurisdiction), action.staff)
    explained = dataclasses.replace(routed.decision,
                                    explanation=f"Routed by hand by {action.staff}: {action.reason}")
    record_routed(uow, row, dataclasses.replace(routed, decision=explained), routed_by=action.staff)
    return {"service_request_id": service_request_id, "department": row.department}


def not_a_duplicate(uow, jurisdiction, service_request_id, action):
    """A call-taker says a request flagged as a duplicate is a problem of its own: route it by the rules.

    Returns the answer for the API: the request's outcome now."""
    row = _open_request(uow.session, service_request_id)
    if row.outcome != "duplicate":
        raise Conflict(f"request {service_request_id} is not marked as a duplicate")
    parent = row.parent_request_id
    outcome = decide(_request(row), jurisdiction, open_requests=[])
    if isinstance(outcome, Routed):
        explained = dataclasses.replace(outcome.decision, explanation=(
            f"Not a duplicate of {parent} (said {action.staff}: {action.reason}). {outcome.decision.explanation}"))
        record_routed(uow, row, dataclasses.replace(outcome, decision=explained), routed_by=action.staff)
    else:
        record_triage(uow, row, outcome)
    return {"service_request_id": service_request_id, "outcome": row.outcome}


def follow_up_list(session):
    """Closed requests whose reporter answered "not fixed", not yet followed up; oldest answer first."""
    rows = session.execute(select(RoutedRequest).where(RoutedRequest.not_fixed_at.is_not(None),
                                                       RoutedRequest.followed_up_at.is_(None))
                           .order_by(RoutedRequest.not_fixed_at)).scalars()
    return [{"service_request_id": r.service_request_id, "service_code": r.service_code,
             "service_name": r.service_name, "department": r.department, "address": r.address,
             "lat": r.lat, "long": r.long, "district": r.district, "open": r.open,
             "answered_at": aware(r.not_fixed_at).isoformat(), "comment": r.not_fixed_comment} for r in rows]


def followed_up(uow, jurisdiction, service_request_id, action):
    """Staff say what they did about a "not fixed" answer; the request leaves the follow-up list."""
    row = uow.session.get(RoutedRequest, service_request_id, with_for_update=True)
    if row is None:
        raise UnknownRequest(f"routing knows no request {service_request_id}")
    if row.not_fixed_at is None or row.followed_up_at is not None:
        raise Conflict(f"no \"not fixed\" answer for request {service_request_id} waits for a follow-up")
    row.followed_up_by, row.followed_up_at, row.follow_up_note = action.staff, datetime.now(timezone.utc), action.reason
    return {"service_request_id": service_request_id, "followed_up_by": action.staff}


def reopen_request(uow, jurisdiction, service_request_id, action):
    """Staff reopen a closed request with a reason; RequestReopened names them ("staff:<username>").

    Only staff who may route (call-takers, supervisors) reopen; a request still open, or one without a work
    order of its own (a duplicate, one left in triage), is refused with the reason (Conflict, HTTP 409)."""
    roles.require(action.role, roles.ROUTE_TRIAGED)
    row = uow.session.get(RoutedRequest, service_request_id, with_for_update=True)
    if row is None:
        raise UnknownRequest(f"routing knows no request {service_request_id}")
    refusal = reopenable(row)
    if refusal:
        raise Conflict(refusal)
    if not action.reason.strip():
        raise BadInput("missing: reason")
    reopen(uow, row, action.reason.strip(), f"staff:{action.staff}")
    return {"service_request_id": service_request_id, "open": True, "reopened_by": f"staff:{action.staff}"}


def decision_record(session, service_request_id):
    """What routing decided for one request and why: the rule, its explanation, who and when."""
    row = session.get(RoutedRequest, service_request_id)
    if row is None:
        raise UnknownRequest(f"routing knows no request {service_request_id}")
    when = {key: aware(getattr(row, key)).isoformat() if getattr(row, key) else None
            for key in ("requested_at", "due_at", "decided_at", "not_fixed_at", "followed_up_at")}
    return {"service_request_id": row.service_request_id, "service_code": row.service_code,
            "outcome": row.outcome, "open": row.open, "department": row.department,
            "work_order_system": row.work_order_system, "priority": row.priority,
            "district": row.district, "neighbourhood": row.neighbourhood, "rule_id": row.rule_id,
            "explanation": row.explanation, "parent_request_id": row.parent_request_id,
            "triage_reason_code": row.triage_reason_code, "triage_reason": row.triage_reason,
            "decided_by": row.decided_by, "not_fixed_comment": row.not_fixed_comment,
            "followed_up_by": row.followed_up_by, "follow_up_note": row.follow_up_note, **when}


def _open_request(session, service_request_id):
    row = session.get(RoutedRequest, service_request_id)
    if row is None:
        raise UnknownRequest(f"routing knows no request {service_request_id}")
    if not row.open:
        raise Conflict(f"request {service_request_id} is closed")
    return row


def _request(row):
    return RoutingRequest(row.service_request_id, row.service_code, aware(row.requested_at),
                          row.attributes or {}, row.lat, row.long, row.address)


def _service_level(request, jurisdiction):
    place = locate_request(request, jurisdiction)
    if isinstance(place, NeedsTriage):
        return MANUAL_SERVICE_LEVEL
    decision = jurisdiction.rulebook.route(request, place.location)
    return MANUAL_SERVICE_LEVEL if isinstance(decision, NeedsTriage) else decision.service_level
