"""Who hears about a request: its subscribers, and those of the duplicates joined to it."""
import uuid

from sqlalchemy import or_, select

from services.notifications.models import OptOut, Request, Subscription
from shared.persistence.rows import LockedRow


_REQUESTS = LockedRow(Request, {})


def lock_request(session, service_request_id, now):
    """The request's row, created if new and locked for this transaction.

    Every handler that changes who hears what about a request takes this lock first, so a
    status change and a subscriber arriving at the same moment cannot miss each other.
    """
    return _REQUESTS.get(session, service_request_id, updated_at=now)


def subscribe(session, service_request_id, role, channel, address, now, language="en"):
    """Add (or bring back) a subscription; returns (subscription, True when it is new or came back)."""
    existing = session.execute(select(Subscription).where(
        Subscription.service_request_id == service_request_id, Subscription.channel == channel,
        Subscription.address == address)).scalar_one_or_none()
    if existing is not None:
        came_back = existing.unsubscribed_at is not None
        existing.unsubscribed_at = None
        existing.language = language or existing.language
        if role == "reporter":
            existing.role = "reporter"
        return existing, came_back
    subscription = Subscription(subscription_id=str(uuid.uuid4()), service_request_id=service_request_id,
                                role=role, channel=channel, address=address,
                                language=language or "en", created_at=now)
    session.add(subscription)
    return subscription, True


def audience(session, service_request_id):
    """Active subscriptions of the request and of every duplicate joined to it."""
    duplicates = select(Request.service_request_id).where(Request.parent_request_id == service_request_id)
    return session.execute(select(Subscription).where(
        Subscription.unsubscribed_at.is_(None),
        or_(Subscription.service_request_id == service_request_id,
            Subscription.service_request_id.in_(duplicates)))
        .order_by(Subscription.created_at, Subscription.subscription_id)).scalars().all()


def opted_out(session, channel, address):
    return session.get(OptOut, (channel, address)) is not None
