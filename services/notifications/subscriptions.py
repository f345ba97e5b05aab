"""Following a request by its tracking number (confirmed through a signed link sent to the address),
unfollowing through a signed link, and STOP by text."""
import uuid
from dataclasses import dataclass

import structlog
from sqlalchemy import update

from services.notifications.addresses import normalise
from services.notifications.audience import opted_out, subscribe
from services.notifications.messages import LANGUAGES
from services.notifications.models import Delivery, OptOut, Request, Subscription
from services.notifications.outgoing import enqueue

log = structlog.get_logger("city311.notifications")
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ALTO", "BAJA"}
START_WORDS = {"START", "UNSTOP", "ALTA"}
CONFIRMATIONS = uuid.UUID("7d0c3f52-5a41-4b5e-9d53-1f0e2c6a9b10")   # namespace of confirmations' source ids


class FollowRefused(Exception):
    """The follow request cannot be honoured; `errors` maps fields to reason codes, `status` the HTTP status."""

    def __init__(self, errors, status=400):
        super().__init__(errors)
        self.errors, self.status = errors, status


class NoSuchSubscription(Exception):
    """The unsubscribe link is forged or its subscription is gone."""


class NoSuchFollowRequest(Exception):
    """The follow confirmation link is forged or has expired."""


@dataclass(frozen=True)
class FollowRequest:
    """Someone asked to follow a request at an address; nothing but the confirmation goes there until they confirm."""
    service_request_id: str
    channel: str
    address: str
    language: str
    role = "follower"
    subscription_id = None     # the confirmation belongs to no subscription yet


def ask_to_follow(uow, settings, form, now):
    """Check a follow request (`form`: service_request_id, email|phone, language) and send the address a
    signed link to confirm it; nothing is subscribed until the link is followed.

    At most one confirmation per request, address and day (a form cannot flood a stranger's mailbox).
    """
    asked = _checked(uow.session, settings, form)
    token = settings.tokens.for_follow(asked.service_request_id, asked.channel, asked.address, asked.language)
    context = {"request_id": asked.service_request_id,
               "confirm_url": f"{settings.links.public_base_url}/follow/confirm/{token}",
               "tracking_url": settings.links.tracking(asked.service_request_id)}
    source_id = uuid.uuid5(CONFIRMATIONS, "|".join((asked.service_request_id, asked.channel, asked.address,
                                                    now.date().isoformat())))
    enqueue(uow, settings, str(source_id), "confirm_follow", asked.service_request_id, asked, context, now)
    return asked


def confirm_follow(uow, settings, token, now):
    """Subscribe the address a confirmation link was sent to (NoSuchFollowRequest for a forged or stale one).

    Sends the "followed" message, with the link to stop, when the subscription is new or comes back.
    """
    asked = settings.tokens.follow_request(token)
    if asked is None:
        raise NoSuchFollowRequest(token)
    service_request_id, channel, address, language = asked
    if channel == "sms" and opted_out(uow.session, "sms", address):
        raise FollowRefused({"phone": "opted_out"}, 409)
    subscription, fresh = subscribe(uow.session, service_request_id, "follower", channel, address, now,
                                    language=language)
    if fresh:
        uow.session.flush()
        context = {"request_id": service_request_id, "your_request_id": service_request_id,
                   "role": subscription.role,
                   "tracking_url": settings.links.tracking(service_request_id),
                   "unsubscribe_url": settings.links.unsubscribe(subscription.subscription_id)}
        enqueue(uow, settings, str(uuid.uuid4()), "followed", service_request_id, subscription, context, now)
    return subscription


def _checked(session, settings, form):
    """The FollowRequest the form asks for; FollowRefused naming each problem."""
    service_request_id = _field(form, "service_request_id")
    channel, address, errors = _channel_and_address(form, settings.phone_region)
    language = _field(form, "language") or "en"
    if language not in LANGUAGES:
        errors["language"] = "unknown_language"
    if not service_request_id:
        errors["service_request_id"] = "required"
    if errors:
        raise FollowRefused(errors)
    if session.get(Request, service_request_id) is None:
        raise FollowRefused({"service_request_id": "unknown_request"}, 404)
    if channel == "sms" and opted_out(session, "sms", address):
        raise FollowRefused({"phone": "opted_out"}, 409)
    return FollowRequest(service_request_id, channel, address, language)


def _channel_and_address(form, phone_region):
    email, phone = _field(form, "email"), _field(form, "phone")
    if bool(email) == bool(phone):
        return None, None, {"contact": "email_or_phone"}
    channel = "email" if email else "sms"
    address = normalise(channel, email or phone, phone_region)
    if address is None:
        return channel, None, {"email" if email else "phone": "invalid"}
    return channel, address, {}


def _field(form, name):
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def unsubscribe(uow, tokens, token, now):
    """Stop one subscription (and what it still had waiting); the subscription, for the page's language."""
    subscription = subscription_for(uow.session, tokens, token)
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = now
        uow.session.execute(update(Delivery).where(
            Delivery.subscription_id == subscription.subscription_id, Delivery.status == "pending")
            .values(status="cancelled", last_error="the recipient unsubscribed"))
    return subscription


def subscription_for(session, tokens, token):
    """The subscription behind an unsubscribe link; NoSuchSubscription when there is none."""
    subscription_id = tokens.unsubscribe_id(token)
    subscription = session.get(Subscription, subscription_id) if subscription_id else None
    if subscription is None:
        raise NoSuchSubscription(token)
    return subscription


def inbound_text(uow, settings, sender, body, now):
    """A text from a phone: STOP opts the number out of everything, START opts it back in."""
    number = normalise("sms", sender, settings.phone_region)
    keyword = (body or "").strip().upper()
    if number is None:
        return "ignored"
    if keyword in STOP_WORDS:
        if not opted_out(uow.session, "sms", number):
            uow.session.add(OptOut(channel="sms", address=number, created_at=now))
        uow.session.execute(update(Delivery).where(
            Delivery.channel == "sms", Delivery.address == number, Delivery.status == "pending")
            .values(status="cancelled", last_error="the recipient opted out (STOP)"))
        log.info("a number opted out of texts")
        return "opted_out"
    if keyword in START_WORDS:
        optout = uow.session.get(OptOut, ("sms", number))
        if optout is not None:
            uow.session.delete(optout)
        return "opted_in"
    return "ignored"
