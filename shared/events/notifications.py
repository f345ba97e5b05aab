"""Contracts of the events notifications publishes (exchange `notifications.events`).

They name the channel and template, never the recipient's address.
"""
from marshmallow import Schema, fields, validate

from shared.events.fields import one_of, optional_text, request_id, text, when


class NotificationSentV1(Schema):
    notification_id = text(80)
    service_request_id = request_id()
    channel = one_of(("email", "sms", "record"))
    template = text(80)
    sent_at = when()


class NotificationFailedV1(NotificationSentV1):
    reason = text(1000)
    permanent = fields.Bool(required=True)


class SurveyRespondedV1(Schema):
    service_request_id = request_id()
    fixed = fields.Bool(required=True)
    satisfaction = fields.Int(required=True, strict=True, validate=validate.Range(min=1, max=5))
    has_comment = fields.Bool(required=True)
    responded_at = when()
    comment = optional_text(2000)
