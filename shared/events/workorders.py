"""Contracts of the events the work-order adapter publishes (exchange `workorders.events`)."""
from marshmallow import Schema, fields

from shared.events.fields import WORK_STATUSES, one_of, optional_text, request_id, text, when


class WorkOrderCreatedV1(Schema):
    """The legacy system accepted the work order; carries its id there."""
    service_request_id = request_id()
    work_order_system = text(60)
    legacy_id = text(80)
    created_at = when()


class WorkOrderUpdatedV1(Schema):
    """The legacy status changed (assigned, in progress, on hold...)."""
    service_request_id = request_id()
    work_order_system = text(60)
    legacy_id = text(80)
    update_id = text(200)
    status = one_of(WORK_STATUSES)
    legacy_status = text(80)
    note = optional_text(1000)
    changed_at = when()


class WorkOrderClosedV1(WorkOrderUpdatedV1):
    """Work done, or closed with a resolution."""
    resolution = text(1000)
    resolution_code = optional_text(80)


class WorkOrderFailedV1(Schema):
    """The legacy system rejected the work order or stayed unreachable past the retry budget."""
    service_request_id = request_id()
    work_order_system = text(60)
    reason = text(2000)
    attempts = fields.Int(required=True, strict=True)
    permanent = fields.Bool(required=True)
