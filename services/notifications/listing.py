"""What the API shows of deliveries and subscriptions: never an address."""
from collections import Counter

from sqlalchemy import select

from services.notifications.dispatch import as_utc
from services.notifications.models import Delivery, Request, Subscription


def notifications_for(session, service_request_id):
    """Messages for the people who hear about one request, oldest first."""
    rows = session.execute(select(Delivery).where(Delivery.service_request_id == service_request_id)
                           .order_by(Delivery.created_at, Delivery.next_attempt_at, Delivery.delivery_id)).scalars()
    return [delivery_view(d) for d in rows]


def delivery_view(delivery):
    held = delivery.status == "pending" and delivery.hold_reason in ("quiet_hours", "rate_limit")
    return {"notification_id": delivery.delivery_id, "channel": delivery.channel,
            "template": delivery.template, "about_request_id": delivery.about_request_id,
            "subject": delivery.subject, "language": delivery.language,
            "status": "held" if held else delivery.status, "hold_reason": delivery.hold_reason,
            "attempts": delivery.attempts, "last_error": delivery.last_error,
            "created_at": _iso(delivery.created_at), "next_attempt_at": _iso(delivery.next_attempt_at),
            "sent_at": _iso(delivery.sent_at)}


def request_view(session, service_request_id):
    """What notifications knows of a request and how many hear about it (counts, not people); None if unknown."""
    request = session.get(Request, service_request_id)
    if request is None:
        return None
    duplicates = session.execute(select(Request.service_request_id).where(
        Request.parent_request_id == service_request_id).order_by(Request.service_request_id)).scalars().all()
    roles = Counter(session.execute(select(Subscription.role).where(
        Subscription.service_request_id == service_request_id,
        Subscription.unsubscribed_at.is_(None))).scalars())
    return {"service_request_id": request.service_request_id, "stage": request.stage, "status": request.status,
            "priority": request.priority, "parent_request_id": request.parent_request_id,
            "duplicates": duplicates, "subscribers": {"reporter": roles["reporter"], "follower": roles["follower"]}}


def subscription_view(subscription):
    return {"subscription_id": subscription.subscription_id,
            "service_request_id": subscription.service_request_id,
            "channel": subscription.channel, "role": subscription.role, "language": subscription.language}


def _iso(value):
    return as_utc(value).isoformat() if value else None
