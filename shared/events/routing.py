"""Contracts of the events routing publishes (exchange `routing.events`)."""
from marshmallow import Schema, fields, validate

from shared.events.fields import (PRIORITIES, coordinate, one_of, optional_text, optional_when,
                                  request_id, text, when)


class RequestRoutedV1(Schema):
    """Department, work-order system, priority, district and service-level due time decided."""
    service_request_id = request_id()
    service_code = text(60)
    department = text(60)
    department_name = text(200)
    work_order_system = text(60)
    priority = one_of(PRIORITIES)
    district = optional_text(60)
    neighbourhood = optional_text(120)
    due_at = optional_when()
    rule_id = text(120)
    explanation = text(1000)
    routed_by = text(120)
    manual = fields.Bool(required=False, load_default=False)
    # What the department's crew needs on the work order (no personal data).
    description = fields.Str(required=False, load_default="", validate=validate.Length(max=100_000))
    service_name = fields.Str(required=False, load_default=None, allow_none=True, validate=validate.Length(max=200))
    attributes = fields.Dict(keys=fields.Str(), required=False, load_default=dict)
    address = optional_text(500)
    lat = coordinate(-90, 90)
    long = coordinate(-180, 180)


class RequestDuplicateDetectedV1(Schema):
    """The request duplicates an open parent request; no second work order."""
    service_request_id = request_id()
    parent_request_id = request_id()
    distance_m = fields.Float(required=True)
    rule_id = text(120)


class RequestNeedsTriageV1(Schema):
    """No rule matched or the location is outside the city; a person decides."""
    service_request_id = request_id()
    reason_code = one_of(("OUTSIDE_CITY", "ADDRESS_UNRESOLVED", "NO_RULE", "WORK_ORDER_FAILED", "MANUAL"))
    reason = text(1000)


class RequestReopenedV1(Schema):
    """A closed request is open again: staff reopened it with a reason, or a resident answered "not fixed"
    and the jurisdiction reopens on that answer. Workorders asks the department's system to reopen its work
    order (or makes a new one linked to it); notifications tells the reporter and subscribers once."""
    service_request_id = request_id()
    work_order_system = optional_text(60)
    reason = text(300)
    reopened_by = text(120)     # "staff:<username>" or "resident-survey"
    reopened_at = when()
