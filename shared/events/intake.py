"""Contracts of the events intake publishes (exchange `intake.events`)."""
from marshmallow import Schema, fields, validate

from shared.events.fields import (STATUSES, coordinate, one_of, optional_text,
                                  optional_when, request_id, text, when)


class RequestCreatedV1(Schema):
    """A service request was accepted and has a tracking id. Carries no personal data."""
    service_request_id = request_id()
    jurisdiction_id = text(120)
    service_code = text(60)
    service_name = text(200)
    description = fields.Str(required=False, load_default="", validate=validate.Length(max=100_000))
    attributes = fields.Dict(keys=fields.Str(), required=False, load_default=dict)
    lat = coordinate(-90, 90)
    long = coordinate(-180, 180)
    address = optional_text(500)
    media_url = optional_text(2000)
    channel = text(40)
    client_application = optional_text(120)
    call_taker = optional_text(120)
    requested_at = when()


class ReporterContactRecordedV1(Schema):
    """Personal contact data for notifications only; never consumed by metrics or departments."""
    service_request_id = request_id()
    email = optional_text(254)
    phone = optional_text(32)
    first_name = optional_text(120)
    last_name = optional_text(120)
    notify_by = one_of(("email", "sms", "none"))
    language = fields.Str(required=False, load_default="en", validate=validate.OneOf(("en", "es")))


class InformationRequestLoggedV1(Schema):
    """An information-only contact was answered."""
    contact_id = request_id()
    topic = text(300)
    article_id = optional_text(80)
    department = optional_text(60)
    channel = text(40)
    call_taker = optional_text(120)
    logged_at = when()


class RequestStatusChangedV1(Schema):
    """The public status of a request, as residents see it, changed."""
    service_request_id = request_id()
    status = one_of(STATUSES)
    previous_status = fields.Str(required=False, allow_none=True, load_default=None,
                                 validate=validate.OneOf(STATUSES))
    stage = one_of(("received", "routed", "triage", "duplicate", "work_order_created",
                    "assigned", "in_progress", "on_hold", "closed", "reopened", "cancelled"))
    status_notes = text(1000)
    agency_responsible = optional_text(200)
    expected_at = optional_when()
    changed_at = when()
