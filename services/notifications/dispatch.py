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

from services.notifications.models import Delivery, OptOut, Request, Subscription, Survey
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
    """Claim a batch, decide for all of it in one transaction, then send each and record each outcome."""
    with units_of_work() as uow:
        claimed = claim_due(uow, clock(), settings.batch_size, settings.lease)
    if not claimed:
        return 0, 0
    with units_of_work() as uow:
        going = prepare_all(uow, claimed, clock(), settings)
    sent = 0
    for outgoing in going:
        outcome = send(outgoing)
        with units_of_work() as uow:   # one at a time: a crash resends at most the message being sent
            record_outcome(uow, outgoing.delivery_id, outcome, clock(), settings.retry)
        sent += outcome.sent
    return len(claimed), sent


def backlog(session, now):
    """What operators watch: deliveries due now and not yet sent, and how long the oldest has waited."""
    due, oldest = session.execute(select(func.count(), func.min(Delivery.next_attempt_at)).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= now)).one()
    return {"deliveries_due": due,
            "oldest_due_seconds": round((now - as_utc(oldest)).total_seconds(), 1) if oldest else 0.0}


def claim_due(uow, now, limit, lease):
    """Lease up to `limit` deliveries that are due and not leased by someone else; their ids, oldest due first."""
    free = or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now)
    due = uow.session.execute(select(Delivery.delivery_id).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= now, free)
        .order_by(Delivery.next_attempt_at).limit(limit)).scalars().all()
    if not due:
        return []
    won = set(uow.session.execute(update(Delivery).where(   # another dispatcher may have taken some meanwhile
        Delivery.delivery_id.in_(due), Delivery.status == "pending", free)
        .values(claimed_until=now + lease).returning(Delivery.delivery_id)
        .execution_options(synchronize_session=False)).scalars())
    return [delivery_id for delivery_id in due if delivery_id in won]


def prepare_all(uow, delivery_ids, now, settings):
    """Cancel, hold, or hand over each claimed delivery, in order: the Outgoings to send now.

    What the decisions read is loaded for the whole batch, one query per table; what goes out this
    round counts toward the rate limit of the next messages to the same address.
    """
    known = _Known.load(uow.session, delivery_ids, now - settings.rate_limit.window)
    going = []
    for delivery_id in delivery_ids:
        outgoing = _decide(known.deliveries[delivery_id], known, now, settings)
        if outgoing is not None:
            going.append(outgoing)
            known.recent.setdefault(outgoing.address, []).append(now)
    return going


@dataclass
class _Known:
    """The rows a batch's decisions need, by key."""
    deliveries: dict
    subscriptions: dict
    requests: dict
    surveys: dict
    opted_out: set
    recent: dict          # address -> times sent within the rate limit's window

    @classmethod
    def load(cls, session, delivery_ids, since):
        deliveries = _by_key(session, Delivery, "delivery_id", delivery_ids)
        batch = deliveries.values()
        addresses = {d.address for d in batch}
        recent = {}
        for address, sent_at in session.execute(select(Delivery.address, Delivery.sent_at).where(
                Delivery.address.in_(addresses), Delivery.status == "sent", Delivery.sent_at > since)):
            recent.setdefault(address, []).append(as_utc(sent_at))
        opted_out = set(session.execute(select(OptOut.channel, OptOut.address)
                                        .where(OptOut.address.in_(addresses))).tuples())
        return cls(deliveries,
                   _by_key(session, Subscription, "subscription_id", {d.subscription_id for d in batch}),
                   _by_key(session, Request, "service_request_id", {d.about_request_id for d in batch}),
                   _by_key(session, Survey, "survey_id", {d.source_id for d in batch if d.template == "survey"}),
                   opted_out, recent)


def _by_key(session, model, key, values):
    values = [value for value in values if value is not None]
    if not values:
        return {}
    rows = session.execute(select(model).where(getattr(model, key).in_(values))).scalars()
    return {getattr(row, key): row for row in rows}


def _decide(delivery, known, now, settings):
    reason = _cancel_reason(delivery, known)
    if reason:
        delivery.status, delivery.last_error, delivery.claimed_until = "cancelled", reason, None
        return None
    request = known.requests.get(delivery.about_request_id)
    emergency = request is not None and request.priority == "emergency"
    hold = hold_until(delivery.channel, emergency, now, settings.quiet_hours, settings.rate_limit,
                      known.recent.get(delivery.address, []))
    if hold:
        delivery.hold_reason, delivery.next_attempt_at = hold
        delivery.claimed_until = None
        log.info("delivery held", delivery_id=delivery.delivery_id, reason=hold[0], until=hold[1].isoformat())
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


def _cancel_reason(delivery, known):
    if (delivery.channel, delivery.address) in known.opted_out:
        return "the recipient opted out (STOP)"
    subscription = known.subscriptions.get(delivery.subscription_id)
    if subscription is not None and subscription.unsubscribed_at is not None:
        return "the recipient unsubscribed"
    if delivery.template == "survey":
        request, survey = known.requests.get(delivery.about_request_id), known.surveys.get(delivery.source_id)
        if request is not None and request.status != "closed":
            return "the request was reopened before the survey went out"
        if survey is not None and survey.responded_at is not None:
            return "the survey was already answered"
    return None


def as_utc(value):
    """SQLite hands datetimes back without their (UTC) offset; PostgreSQL with it."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
