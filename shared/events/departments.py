"""Contracts of the messages between the city and modern department systems.

The city publishes to the topic exchange `departments` with routing keys
`department.<code>.<event>` (routed, cancelled, merged, reopened); each
department consumes its own quorum queue `departments.<code>`. A department
reports status to the topic exchange `departments.status` with the key
`department.<code>.status`. Plain JSON, no event envelope: the AMQP `type`
property names the message and its version (e.g. `department.routed.v1`).
No personal data travels to a department.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.fields import PRIORITIES, coordinate, one_of, optional_text, request_id, text, when

DEPARTMENT_STATUSES = ("assigned", "in_progress", "on_hold", "closed", "cancelled")

CITY_PROPERTIES = {
    "type": "department.<event>.v<version>, e.g. department.routed.v1",
    "message_id": "deterministic: a resend of the same message has the same id",
    "correlation_id": "the city's tracking id",
    "content_type": "application/json",
    "delivery_mode": "2 (persistent)",
}
STATUS_PROPERTIES = {
    "type": "department.status.v1",
    "content_type": "application/json",
    "delivery_mode": "2 (persistent)",
}


def _work_order_id():
    return fields.Str(required=True, validate=validate.Length(min=1, max=80),
                      metadata={"description": "the city's id of this work order; stable across resends"})


class _ToDepartment(Schema):
    work_order_id = _work_order_id()
    service_request_id = request_id(metadata={"description": "the city's tracking id"})
    department = text(60)
    sent_at = when()


class DepartmentWorkOrderRoutedV1(_ToDepartment):
    """A service request routed to the department: make one work order per work_order_id (resends repeat it)."""
    service_code = text(60)
    description = fields.Str(required=False, load_default="", validate=validate.Length(max=100_000))
    address = optional_text(500)
    lat = coordinate(-90, 90)
    long = coordinate(-180, 180)
    priority = one_of(PRIORITIES)


class DepartmentWorkOrderCancelledV1(_ToDepartment):
    """The city withdrew the work order: re-routed to another department, or cancelled by staff."""
    reason = text(1000)


class DepartmentWorkOrderMergedV1(_ToDepartment):
    """Another report of the same problem joined this work order; its reporter follows this one."""
    duplicate_request_id = request_id()


class DepartmentWorkOrderReopenedV1(_ToDepartment):
    """A closed work order is open again (the problem is back, or the resident says it was not fixed)."""
    reason = text(1000)


class DepartmentStatusReportV1(Schema):
    """A department's status change of one work order; applied once per update_id, never over a newer one."""
    JSON_SCHEMA_EXTRA = {"if": {"properties": {"status": {"const": "closed"}}},
                         "then": {"required": ["resolution"],
                                  "properties": {"resolution": {"type": "string", "minLength": 1}}}}

    update_id = fields.Str(required=True, validate=validate.Length(min=1, max=120),
                           metadata={"description": "the department's unique id of this update"})
    work_order_id = _work_order_id()
    service_request_id = request_id()
    department = text(60)
    status = one_of(DEPARTMENT_STATUSES)
    changed_at = when(metadata={"description": "when it changed in the department's system"})
    note = optional_text(1000)
    resolution = optional_text(1000)
    resolution_code = optional_text(80)

    @validates_schema
    def _closed_says_how(self, data, **kwargs):
        if data.get("status") == "closed" and not data.get("resolution"):
            raise ValidationError("a closed work order says what was done", "resolution")
