"""The dispatcher: works the deliveries table like an outbox, sending outside any transaction.

Each round claims due deliveries with a lease (so two service instances never send the same
one), then for each: decides in a short transaction whether it may go now (opt-outs, quiet
hours, rate limit), sends with no transaction open, and records the outcome with
NotificationSent / NotificationFailed in a second transaction. A crash mid-send leaves the
lease to expire and the delivery is tried again (the SMS gateway dedupes on our reference).
"""
from dataclasses import dataclass
from datetime import timezone

import structlog
from sqlalchemy import func, or_, select, update

from services.notifications.audience import opted_out
from services.notifications.models import Delivery, Request, Subscription, Survey
from services.notifications.outgoing import failure_data
from services.notifications.policies import hold_until

log = structlog.get_logger("city311.notifications.dispatch")


@dataclass(frozen=True)
class Outgoing:
    """What a channel needs to send one message."""
    delivery_id: str
    channel: str
    address: str
    language: str
    subject: str
    text: str
    html: str | None
    unsubscribe_url: str | None


@dataclass(frozen=True)
class Outcome:
    sent: bool
    provider_id: str | None = None
    reason: str | None = None
    permanent: bool = False


def deliver_due(units_of_work, send, settings, clock):
    """One dispatch round; returns how many deliveries were sent."""
    return _round(units_of_work, send, settings, clock)[1]


def deliver_until_caught_up(units_of_work, send, settings, clock, max_rounds=20):
    """Rounds one after the other while each claims a full batch (a backlog), at most `max_rounds`;
    returns how many were sent. A storm's notifications go out at the pace the channels take, not
    one batch per timer tick."""
    sent = 0
    for _ in range(max_rounds):
        claimed, sent_now = _round(units_of_work, send, settings, clock)
        sent += sent_now
        if claimed < settings.batch_size:
            break
    return sent


def _round(units_of_work, send, settings, clock):
    with units_of_work() as uow:
        claimed = claim_due(uow, clock(), settings.batch_size, settings.lease)
    sent = 0
    for delivery_id in claimed:
        with units_of_work() as uow:
            outgoing = prepare(uow, delivery_id, clock(), settings)
        if outgoing is None:
            continue
        outcome = send(outgoing)
        with units_of_work() as uow:
            record_outcome(uow, delivery_id, outcome, clock(), settings.retry)
        sent += outcome.sent
    return len(claimed), sent


def backlog(session, now):
    """What operators watch: deliveries due now and not yet sent, and how long the oldest has waited."""
    due, oldest = session.execute(select(func.count(), func.min(Delivery.next_attempt_at)).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= now)).one()
    return {"deliveries_due": due,
            "oldest_due_seconds": round((now - as_utc(oldest)).total_seconds(), 1) if oldest else 0.0}


def claim_due(uow, now, limit, lease):
    """Lease up to `limit` deliveries that are due and not leased by someone else; their ids."""
    free = or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now)
    due = uow.session.execute(select(Delivery.delivery_id).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= now, free)
        .order_by(Delivery.next_attempt_at).limit(limit)).scalars().all()
    claimed = []
    for delivery_id in due:
        won = uow.session.execute(update(Delivery).where(
            Delivery.delivery_id == delivery_id, Delivery.status == "pending", free)
            .values(claimed_until=now + lease)).rowcount
        if won:
            claimed.append(delivery_id)
    return claimed


def prepare(uow, delivery_id, now, settings):
    """Cancel, hold, or hand over a claimed delivery: the Outgoing to send now, or None."""
    session = uow.session
    delivery = session.get(Delivery, delivery_id)
    reason = _cancel_reason(session, delivery)
    if reason:
        delivery.status, delivery.last_error, delivery.claimed_until = "cancelled", reason, None
        return None
    request = session.get(Request, delivery.about_request_id)
    emergency = request is not None and request.priority == "emergency"
    hold = hold_until(delivery.channel, emergency, now, settings.quiet_hours, settings.rate_limit,
                      _recent_sends(session, delivery.address, now - settings.rate_limit.window))
    if hold:
        delivery.hold_reason, delivery.next_attempt_at = hold
        delivery.claimed_until = None
        log.info("delivery held", delivery_id=delivery_id, reason=hold[0], until=hold[1].isoformat())
        return None
    return Outgoing(delivery.delivery_id, delivery.channel, delivery.address, delivery.language,
                    delivery.subject, delivery.text_body, delivery.html_body, delivery.unsubscribe_url)


def record_outcome(uow, delivery_id, outcome, now, retry):
    """Sent, failed for good, or back in line after a backoff; the event in the same transaction."""
    delivery = uow.session.get(Delivery, delivery_id)
    delivery.attempts += 1
    delivery.claimed_until = None
    if outcome.sent:
        delivery.status, delivery.sent_at, delivery.hold_reason = "sent", now, None
        delivery.provider_id = outcome.provider_id
        uow.publish("NotificationSent", {
            "notification_id": delivery.delivery_id, "service_request_id": delivery.service_request_id,
            "channel": delivery.channel, "template": delivery.template, "sent_at": now.isoformat()},
            correlation_id=delivery.service_request_id)
        return
    delivery.last_error = outcome.reason[:2000]
    if outcome.permanent or retry.exhausted(delivery.attempts):
        delivery.status, delivery.hold_reason = "failed", None
        log.warning("delivery failed", delivery_id=delivery_id, permanent=outcome.permanent,
                    attempts=delivery.attempts, error=outcome.reason[:300])
        uow.publish("NotificationFailed", failure_data(delivery, outcome.reason, outcome.permanent, now),
                    correlation_id=delivery.service_request_id)
        return
    delivery.hold_reason, delivery.next_attempt_at = "retry", now + retry.delay(delivery.attempts)
    log.info("delivery will be retried", delivery_id=delivery_id, attempts=delivery.attempts,
             retry_at=delivery.next_attempt_at.isoformat(), error=outcome.reason[:300])


def _cancel_reason(session, delivery):
    if opted_out(session, delivery.channel, delivery.address):
        return "the recipient opted out (STOP)"
    subscription = session.get(Subscription, delivery.subscription_id) if delivery.subscription_id else None
    if subscription is not None and subscription.unsubscribed_at is not None:
        return "the recipient unsubscribed"
    if delivery.template == "survey":
        request = session.get(Request, delivery.about_request_id)
        survey = session.get(Survey, delivery.source_id)
        if request is not None and request.status != "closed":
            return "the request was reopened before the survey went out"
        if survey is not None and survey.responded_at is not None:
            return "the survey was already answered"
    return None


def _recent_sends(session, address, since):
    return [as_utc(t) for t in session.execute(select(Delivery.sent_at).where(
        Delivery.address == address, Delivery.status == "sent", Delivery.sent_at > since)).scalars()]


def as_utc(value):
    """SQLite hands datetimes back without their (UTC) offset; PostgreSQL with it."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
