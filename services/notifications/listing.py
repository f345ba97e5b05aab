"""What the API shows of deliveries and subscriptions: never an address."""
from sqlalchemy import select

from services.notifications.dispatch import as_utc
from services.notifications.models import Delivery


def notifications_for(session, service_request_id):
    """Messages for the people who hear about one request, oldest first."""
    rows = session.execute(select(Delivery).where(Delivery.service_request_id == service_request_id)
                           .order_by(Delivery.created_at, Delivery.delivery_id)).scalars()
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


def subscription_view(subscription):
    return {"subscription_id": subscription.subscription_id,
            "service_request_id": subscription.service_request_id,
            "channel": subscription.channel, "role": subscription.role, "language": subscription.language}


def _iso(value):
    return as_utc(value).isoformat() if value else None
