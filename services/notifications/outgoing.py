"""Turning news into deliveries: one per (source, channel, address), rendered in the recipient's language.

A message whose template fails is recorded as failed and announced with NotificationFailed in
the same unit of work; the other recipients' messages go on.
"""
import uuid
from datetime import datetime

import structlog
from sqlalchemy import select

from services.notifications.audience import opted_out
from services.notifications.messages import RenderError
from services.notifications.models import Delivery, Request

log = structlog.get_logger("city311.notifications")


def news_context(settings, session, about_request_id, subscription, details):
    """What the templates of a status message may use (dates in the city's time zone)."""
    about = session.get(Request, subscription.service_request_id)
    return {
        "request_id": about_request_id,
        "your_request_id": subscription.service_request_id,
        "role": subscription.role,
        "tracking_url": settings.links.tracking(about_request_id),
        "status_notes": details.get("status_notes") or "",
        "agency": details.get("agency"),
        "expected": _local(details.get("expected_at"), settings.zone),
        "parent_request_id": about.parent_request_id if about is not None else None,
        "follow_url": settings.links.follow(about_request_id),
        "unsubscribe_url": settings.links.unsubscribe(subscription.subscription_id),
    }


def enqueue(uow, settings, source_id, message, about_request_id, subscription, context, now, not_before=None):
    """Record the delivery of `message` to `subscription`; None when it exists already or may not go."""
    session = uow.session
    if opted_out(session, subscription.channel, subscription.address) or _exists(
            session, source_id, subscription.channel, subscription.address):
        return None
    delivery = Delivery(
        delivery_id=str(uuid.uuid4()), source_id=source_id, about_request_id=about_request_id,
        service_request_id=subscription.service_request_id, subscription_id=subscription.subscription_id,
        template=message, channel=subscription.channel, address=subscription.address,
        language=subscription.language, unsubscribe_url=context.get("unsubscribe_url"),
        attempts=0, created_at=now, next_attempt_at=not_before or now)
    try:
        rendered = settings.templates.render(message, subscription.language, subscription.channel, context)
    except RenderError as exc:
        _failed_to_render(uow, delivery, str(exc), now)
        return delivery
    delivery.subject, delivery.text_body, delivery.html_body = rendered.subject, rendered.text, rendered.html
    delivery.status = "pending"
    session.add(delivery)
    return delivery


def _failed_to_render(uow, delivery, reason, now):
    delivery.status, delivery.subject, delivery.text_body = "failed", "", ""
    delivery.last_error = reason[:2000]
    uow.session.add(delivery)
    log.error("message could not be rendered", delivery_id=delivery.delivery_id, error=reason[:500])
    uow.publish("NotificationFailed", failure_data(delivery, reason, True, now),
                correlation_id=delivery.service_request_id)


def failure_data(delivery, reason, permanent, now):
    return {"notification_id": delivery.delivery_id, "service_request_id": delivery.service_request_id,
            "channel": delivery.channel, "template": delivery.template, "sent_at": now.isoformat(),
            "reason": reason[:1000], "permanent": permanent}


def _exists(session, source_id, channel, address):
    return session.execute(select(Delivery.delivery_id).where(
        Delivery.source_id == source_id, Delivery.channel == channel,
        Delivery.address == address)).first() is not None


def _local(value, zone):
    if not value:
        return None
    return datetime.fromisoformat(value).astimezone(zone)
