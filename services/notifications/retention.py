"""Notifications' part of retention (shared/retention.py), for requests closed before the cutoff:
subscriptions and sent messages lose their address (it becomes erased:<id>) and their words, surveys their
comment. Subscriptions also end, so a reopened request tells no one at an erased address. Kept: what was
sent when and how it went, the survey's scores, and the phone numbers that texted STOP (honouring that
needs the number)."""
from sqlalchemy import select

from services.notifications.models import Delivery, Request, Subscription, Survey
from shared.retention import ERASED


def erase_batch(session, cutoff, limit, now):
    closed = select(Request.service_request_id).where(Request.status == "closed", Request.stage_changed_at < cutoff)
    return {"subscriptions": _subscriptions(session, closed, limit, now),
            "deliveries": _deliveries(session, closed, limit),
            "survey_comments": _comments(session, closed, limit)}


def _subscriptions(session, closed, limit, now):
    rows = session.execute(select(Subscription).where(
        Subscription.service_request_id.in_(closed), Subscription.address.not_like(f"{ERASED}%"))
        .limit(limit)).scalars().all()
    for row in rows:
        row.address, row.first_name = f"{ERASED}{row.subscription_id}", None
        row.unsubscribed_at = row.unsubscribed_at or now
    return len(rows)


def _deliveries(session, closed, limit):
    rows = session.execute(select(Delivery).where(
        Delivery.service_request_id.in_(closed), Delivery.status != "pending",
        Delivery.address.not_like(f"{ERASED}%")).limit(limit)).scalars().all()
    for row in rows:
        row.address, row.text_body, row.html_body = f"{ERASED}{row.delivery_id}", "", None
        row.unsubscribe_url = row.last_error = None
    return len(rows)


def _comments(session, closed, limit):
    rows = session.execute(select(Survey).where(
        Survey.service_request_id.in_(closed), Survey.comment.isnot(None)).limit(limit)).scalars().all()
    for row in rows:
        row.comment = None
    return len(rows)
