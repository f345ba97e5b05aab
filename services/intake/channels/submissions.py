"""Channel messages into service requests and information contacts: filed once per message id, always answered.

Each handler runs in one unit of work: the message's claim in channel_messages,
the request (or contact) with its events in the outbox, and the reply. A
service request is checked by the Open311 layer itself (parse_new_request with
the jurisdiction's catalog), so a channel and an Open311 client get the same
answer for the same request.
"""
import json
from datetime import datetime, timezone

from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from services.intake import store
from services.intake.channels.models import ChannelMessage
from services.intake.channels.replies import record_reply
from services.intake.knowledge import articles, contacts
from services.intake.open311.errors import Open311Error
from services.intake.open311.parsing import parse_new_request
from shared.events.channels import ChannelInformationContactV1, ChannelReplyV1, ChannelServiceRequestV1

REQUEST, INFORMATION, REPLY = ChannelServiceRequestV1(), ChannelInformationContactV1(), ChannelReplyV1()
_OPEN311_TEXT = ("service_code", "jurisdiction_id", "address_string", "address_id", "description", "media_url",
                 "email", "phone", "first_name", "last_name", "device_id", "account_id")
_NOTIFY_NEEDS = {"email": ("email", "an email"), "sms": ("phone", "a phone number")}
_MAX_ERROR_TEXT = 2000


class Rejected(Exception):
    """The message cannot be taken; `errors` are (code, description) pairs, Open311 style."""

    def __init__(self, errors):
        super().__init__("; ".join(description for _, description in errors))
        self.errors = list(errors)


def submit_request(uow, received, jurisdiction):
    """File the service request a channel sent (once per message id) and record the reply."""
    answer(uow, received, "request", lambda fields: _file(uow, fields, jurisdiction), REQUEST)


def log_information(uow, received):
    """Log the information contact a channel answered (once per message id) and record the reply."""
    answer(uow, received, "information", lambda fields: _log(uow, fields), INFORMATION)


def answer(uow, received, kind, act, contract):
    """Claim the message, act on its checked fields (or reject it), and queue the reply; a repeat gets the same."""
    if not received.message_id:
        reply = _reply(received, "rejected", errors=[(400, "the message_id property is required: it is what "
                                                      "makes sending a message again safe")])
        record_reply(uow.session, reply, received)
        return
    claim, seen = _claim(uow.session, received, kind)
    if seen:
        record_reply(uow.session, claim.reply, received)
        return
    try:
        reference = act(_checked(contract, received.body))
    except Rejected as exc:
        claim.status, claim.reply = "rejected", _reply(received, "rejected", errors=exc.errors)
    else:
        claim.status = "accepted"
        claim.reference = reference.get("service_request_id") or reference.get("contact_id")
        claim.reply = _reply(received, "accepted", **reference)
    record_reply(uow.session, claim.reply, received)


def previous_answer(session, channel, message_id):
    """The reply a channel message got, or None if intake never answered that message id."""
    claim = session.execute(select(ChannelMessage).where(ChannelMessage.channel == channel,
                                                         ChannelMessage.message_id == message_id)).scalar_one_or_none()
    return json.loads(claim.reply) if claim and claim.reply else None


def _claim(session, received, kind):
    """The message's row: (it, True) if answered before, else a new one, flushed so a concurrent twin waits or fails."""
    channel = _channel_key(received.body)
    claim = session.execute(select(ChannelMessage).where(ChannelMessage.channel == channel,
                                                         ChannelMessage.message_id == received.message_id)
                            ).scalar_one_or_none()
    if claim is not None:
        return claim, True
    claim = ChannelMessage(channel=channel, message_id=received.message_id[:200], kind=kind,
                           received_at=datetime.now(timezone.utc))
    session.add(claim)
    session.flush()
    return claim, False


def _channel_key(body):
    channel = body.get("channel") if isinstance(body, dict) else None
    return channel if isinstance(channel, str) and len(channel) <= 40 else ""


def _checked(contract, body):
    if not isinstance(body, dict):
        raise Rejected([(400, "the message body must be a JSON object")])
    try:
        return contract.load(body)
    except ValidationError as exc:
        raise Rejected([(400, f"{path}: {message}") for path, message in _flat(exc.messages)]) from None


def _flat(messages, path=""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flat(value, f"{path}.{key}" if path else str(key))
    elif isinstance(messages, list):
        for message in messages:
            yield from _flat(message, path)
    else:
        yield path.replace("_schema", "body"), messages


def _file(uow, fields, jurisdiction):
    try:
        new = parse_new_request(open311_params(fields), jurisdiction.catalog, jurisdiction.jurisdiction_id,
                                jurisdiction.timezone)
    except Open311Error as exc:
        raise Rejected([(e.code, e.description) for e in exc.errors]) from None
    needs = _NOTIFY_NEEDS.get(fields["notify_by"])
    if needs and not getattr(new, needs[0]):
        raise Rejected([(400, f"notify_by {fields['notify_by']} needs {needs[1]}")])
    record = store.file_request(uow, new, jurisdiction.catalog.require(new.service_code), jurisdiction.jurisdiction_id,
                                channel=fields["channel"], application=fields["client_application"],
                                call_taker=fields["call_taker"], notify_by=fields["notify_by"],
                                language=fields["language"])
    return {"service_request_id": record.service_request_id}


def open311_params(fields):
    """The Open311 POST parameters a checked channel request stands for (attributes as attribute[CODE])."""
    params = MultiDict((name, fields[name]) for name in _OPEN311_TEXT if fields.get(name) is not None)
    for name in ("lat", "long"):
        if fields.get(name) is not None:
            params[name] = repr(fields[name])
    for code, values in fields["attributes"].items():
        params.setlist(f"attribute[{code}]", values)
    return params


def _log(uow, fields):
    article = None
    if fields["article_id"]:
        article = articles.by_slug(uow.session, fields["article_id"])
        if article is None:
            raise Rejected([(404, f"no knowledge article {fields['article_id']!r}")])
    topic = article.question if article else fields["topic"]
    contact = contacts.log_answer(uow, topic, article, fields["channel"], fields["call_taker"])
    return {"contact_id": contact.contact_id}


def _reply(received, status, errors=(), **reference):
    body = {"status": status, "message_id": received.message_id and received.message_id[:200],
            "service_request_id": reference.get("service_request_id"), "contact_id": reference.get("contact_id"),
            "errors": [{"code": code, "description": text[:_MAX_ERROR_TEXT]} for code, text in errors],
            "answered_at": datetime.now(timezone.utc).isoformat()}
    REPLY.load(body)  # a reply that breaks its own contract is a bug: fail loudly, the message is retried
    return json.dumps(body)
