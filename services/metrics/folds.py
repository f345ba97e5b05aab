"""Folding one event into a request's fact: one function per event type, each taking (fact, data, occurred_at).

Milestones keep the earliest time seen (the close keeps the latest, so a
reopen-and-close counts its final close), and descriptive fields take the
newest decision by its own clock, so the same events give the same fact in
any order.
"""
import re
from datetime import datetime, timezone

from services.metrics.blocks import block_of

LOCATION_DECIMALS = 3  # about 110 m: enough for a district map, too coarse to find a house
# E-mail addresses, and runs of ten or more digits (phone numbers; dates have eight).
_CONTACT_DETAILS = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+|\+?\(?\d(?:[\s().-]*\d){9,}")


def when(text):
    """An ISO 8601 time from an event, as aware UTC (None stays None)."""
    return datetime.fromisoformat(text).astimezone(timezone.utc) if text else None


def _earliest(fact, attribute, value):
    current = getattr(fact, attribute)
    if value is not None and (current is None or value < current):
        setattr(fact, attribute, value)


def _latest(fact, attribute, value):
    current = getattr(fact, attribute)
    if value is not None and (current is None or value > current):
        setattr(fact, attribute, value)


def _newer(fact, clock, value):
    """True (and the clock moves) when `value` is at least as new as what the fact already holds."""
    if value is None or (getattr(fact, clock) is not None and value < getattr(fact, clock)):
        return False
    setattr(fact, clock, value)
    return True


def _locate(fact, data):
    if fact.lat is None and data.get("lat") is not None and data.get("long") is not None:
        fact.lat, fact.long = round(data["lat"], LOCATION_DECIMALS), round(data["long"], LOCATION_DECIMALS)
    if fact.address_block is None:
        fact.address_block = block_of(data.get("address"))


def scrubbed(text):
    """Free text with anything that looks like an e-mail address or a phone number removed."""
    return _CONTACT_DETAILS.sub("[removed]", text)[:1000] if text else text


def request_created(fact, data, at):
    _earliest(fact, "created_at", when(data["requested_at"]))
    fact.channel, fact.service_code, fact.service_name = data["channel"], data["service_code"], data["service_name"]
    _locate(fact, data)


def request_status_changed(fact, data, at):
    changed = when(data["changed_at"])
    if _newer(fact, "status_changed_at", changed):
        fact.status, fact.stage = data["status"], data["stage"]
    if data["status"] == "closed":
        _latest(fact, "closed_at", changed)
    if data["stage"] == "reopened":
        _latest(fact, "reopened_at", changed)


def request_routed(fact, data, at):
    _earliest(fact, "routed_at", at)
    if _newer(fact, "route_decided_at", at):
        fact.department, fact.department_name = data["department"], data["department_name"]
        fact.district, fact.neighbourhood = data.get("district"), data.get("neighbourhood")
        fact.priority, fact.due_at = data["priority"], when(data.get("due_at"))
        fact.duplicate_of = None  # routed on its own after all (staff un-marked a false duplicate)
    fact.service_code = fact.service_code or data["service_code"]
    _locate(fact, data)


def duplicate_detected(fact, data, at):
    if _newer(fact, "route_decided_at", at):  # a later routing decision (un-marked) wins
        fact.duplicate_of = data["parent_request_id"]


def needs_triage(fact, data, at):
    if _newer(fact, "triaged_at", at):
        fact.triage_reason = data["reason_code"]


def work_order_created(fact, data, at):
    _earliest(fact, "work_order_at", when(data["created_at"]))
    fact.work_order_system = data["work_order_system"]


def work_order_updated(fact, data, at):
    changed = when(data["changed_at"])
    _earliest(fact, "first_update_at", changed)
    if data["status"] == "reopened":
        _latest(fact, "reopened_at", changed)


def work_order_closed(fact, data, at):
    work_order_updated(fact, data, at)
    _latest(fact, "closed_at", when(data["changed_at"]))
    fact.resolution_code, fact.resolution = data.get("resolution_code"), scrubbed(data["resolution"])


def work_order_failed(fact, data, at):
    fact.work_order_failed = True


def notification_sent(fact, data, at):
    fact.notifications_sent = (fact.notifications_sent or 0) + 1


def notification_failed(fact, data, at):
    fact.notifications_failed = (fact.notifications_failed or 0) + 1


def survey_responded(fact, data, at):
    # The comment is free text a resident wrote: it stays with notifications.
    if _newer(fact, "survey_at", when(data["responded_at"])):
        fact.survey_satisfaction, fact.survey_fixed = data["satisfaction"], data["fixed"]


FOLDS = {
    "RequestCreated": request_created,
    "RequestStatusChanged": request_status_changed,
    "RequestRouted": request_routed,
    "RequestDuplicateDetected": duplicate_detected,
    "RequestNeedsTriage": needs_triage,
    "WorkOrderCreated": work_order_created,
    "WorkOrderUpdated": work_order_updated,
    "WorkOrderClosed": work_order_closed,
    "WorkOrderFailed": work_order_failed,
    "NotificationSent": notification_sent,
    "NotificationFailed": notification_failed,
    "SurveyResponded": survey_responded,
}
