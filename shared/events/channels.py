"""Contracts of the messages intake channels exchange with intake (exchange `channels.events`).

A channel system (phone system, SMS gateway, email parser, mobile back end)
publishes a plain JSON message, not an event envelope: the routing key names
the message and its version, the AMQP properties carry its identity. Intake
answers every message on its `reply_to` queue with a ChannelReply.

These contracts check the shape only. The content of a service request is
checked by intake with exactly the rules of the Open311 POST requests.json
(service code, location, attributes, contact details, lengths), so both
doors into the city take the same requests.
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from shared.events.fields import one_of, optional_text, when

CHANNELS = ("phone", "sms", "email", "mobile")

# AMQP properties every channel message carries, and what intake does with them.
MESSAGE_PROPERTIES = {
    "message_id": "required: the channel's own id for this message; the same id again is answered again, "
                  "never filed twice",
    "reply_to": "required: the queue the reply goes to (through the default exchange)",
    "correlation_id": "copied onto the reply (the message_id when absent)",
    "content_type": "required: application/json",
    "delivery_mode": "2 (persistent)",
}
REPLY_PROPERTIES = {
    "correlation_id": "the message's correlation_id (its message_id when it had none)",
    "content_type": "application/json",
}


def _open311(description, **kw):
    """A text the Open311 rules check; the contract only says it is text."""
    return fields.Str(required=False, allow_none=True, load_default=None,
                      metadata={"description": description}, **kw)


class AttributeValue(fields.Field):
    """One attribute's answer: a string, a number, or a list of strings (multivaluelist)."""

    def __init__(self, **kw):
        super().__init__(metadata={"json_schema": {"anyOf": [
            {"type": "string"}, {"type": "number"}, {"type": "array", "items": {"type": "string"}}]}}, **kw)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return [value]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [str(value)]
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
        raise ValidationError("must be a string, a number or a list of strings")


class ChannelServiceRequestV1(Schema):
    """A service request a channel took; intake files it once per message id and answers with its tracking id."""
    channel = one_of(CHANNELS)
    service_code = fields.Str(required=True, metadata={"description": "a service_code of GET /open311/v2/services.json"})
    jurisdiction_id = _open311("optional; when given, this city's")
    lat = fields.Float(required=False, allow_none=True, load_default=None)
    long = fields.Float(required=False, allow_none=True, load_default=None)
    address_string = _open311("a location is lat and long, address_string or address_id")
    address_id = _open311("an address id of the city's gazetteer")
    description = _open311("what the resident said")
    media_url = _open311("http(s) URL of a photo")
    attributes = fields.Dict(keys=fields.Str(), values=AttributeValue(), required=False, load_default=dict,
                             metadata={"description": "answers by attribute code, as GET "
                                                      "/open311/v2/services/<code>.json defines them"})
    email = _open311("personal: for notifications only")
    phone = _open311("personal: for notifications only")
    first_name = _open311("personal")
    last_name = _open311("personal")
    device_id = _open311("personal")
    account_id = _open311("personal")
    notify_by = fields.Str(required=False, allow_none=True, load_default=None,
                           validate=validate.OneOf(("email", "sms", "none")),
                           metadata={"description": "default: email when given, else sms when a phone is given"})
    language = fields.Str(required=False, load_default="en", validate=validate.OneOf(("en", "es")))
    call_taker = optional_text(120)
    client_application = optional_text(120)


class ChannelInformationContactV1(Schema):
    """An information-only contact a channel answered (a knowledge article, or its own words)."""
    JSON_SCHEMA_EXTRA = {"anyOf": [{"required": ["topic"]}, {"required": ["article_id"]}]}

    channel = one_of(CHANNELS)
    topic = fields.Str(required=False, allow_none=True, load_default=None, validate=validate.Length(min=1, max=300),
                       metadata={"description": "what was asked; default: the article's question"})
    article_id = fields.Str(required=False, allow_none=True, load_default=None, validate=validate.Length(max=80),
                            metadata={"description": "the knowledge article answered with"})
    call_taker = optional_text(120)
    client_application = optional_text(120)

    @validates_schema
    def _topic_or_article(self, data, **kwargs):
        if not data.get("topic") and not data.get("article_id"):
            raise ValidationError("say what was asked (topic) or which article answered it (article_id)", "topic")


class ChannelErrorV1(Schema):
    """One reason for a rejection, as Open311 states it."""
    code = fields.Int(required=True, strict=True, metadata={"description": "400, 403 or 404, as in Open311"})
    description = fields.Str(required=True, validate=validate.Length(min=1, max=2000))


class ChannelReplyV1(Schema):
    """Intake's answer to one channel message: accepted with its id, or rejected with every reason.

    The same message id sent again gets this same body again.
    """
    JSON_SCHEMA_EXTRA = {"if": {"properties": {"status": {"const": "rejected"}}},
                         "then": {"required": ["errors"], "properties": {"errors": {"minItems": 1}}}}

    status = one_of(("accepted", "rejected"))
    message_id = fields.Str(required=True, allow_none=True, validate=validate.Length(min=1, max=200),
                            metadata={"description": "the message's message_id (null when it had none)"})
    service_request_id = optional_text(40)
    contact_id = optional_text(40)
    errors = fields.List(fields.Nested(ChannelErrorV1), required=False, load_default=list)
    answered_at = when()
