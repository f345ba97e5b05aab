"""Event handlers: one function per event, each inside the caller's unit of work.

They decide who hears what and record deliveries; sending happens later, outside any
transaction (see dispatch.py).
"""
import json
from datetime import datetime, timezone

from sqlalchemy import select

from services.notifications import surveys
from services.notifications.addresses import normalise
from services.notifications.audience import audience, lock_request, subscribe
from services.notifications.dispatch import as_utc
from services.notifications.messages import message_for
from services.notifications.models import News
from services.notifications.outgoing import enqueue, news_context

CONSUMER = "notifications"


def record_contact(uow, event, settings, now=None):
    """The reporter subscribes on the channel they chose, and hears any news that came first."""
    if not uow.claim(event, f"{CONSUMER}.record_contact"):
        return None
    data, now = event["data"], now or _now()
    lock_request(uow.session, data["service_request_id"], now)
    channel = data["notify_by"]
    address = normalise(channel, data.get("phone" if channel == "sms" else "email"), settings.phone_region) \
        if channel in ("email", "sms") else None
    if address is None:
        return None
    # The reporter's name is not kept: no message greets by name (see templates/en/_words.txt).
    subscription, _ = subscribe(uow.session, data["service_request_id"], "reporter", channel, address, now,
                                language=data.get("language") or "en")
    uow.session.flush()
    earlier = uow.session.execute(select(News).where(News.service_request_id == data["service_request_id"])
                                  .order_by(News.occurred_at)).scalars().all()
    for news in earlier:
        _tell(uow, settings, news, subscription, now)
    return subscription


def request_routed(uow, event, now=None):
    """Remember the priority (emergencies may text at night) and the department."""
    if not uow.claim(event, f"{CONSUMER}.request_routed"):
        return
    data = event["data"]
    request = lock_request(uow.session, data["service_request_id"], now or _now())
    request.priority, request.department_name = data["priority"], data["department_name"]
    request.parent_request_id = None  # routed on its own: it no longer follows a parent (false duplicate)


def duplicate_detected(uow, event, now=None):
    """Join the duplicate to its parent: from now on its subscribers hear the parent's news."""
    if not uow.claim(event, f"{CONSUMER}.duplicate_detected"):
        return
    data, now = event["data"], now or _now()
    ids = sorted((data["service_request_id"], data["parent_request_id"]))  # one lock order everywhere
    rows = {i: lock_request(uow.session, i, now) for i in ids}
    rows[data["service_request_id"]].parent_request_id = data["parent_request_id"]


def status_changed(uow, event, settings, now=None):
    """Tell everyone who hears about the request, when the stage is one residents are told about.

    A change older than the stage already applied (a retry that waited in the delay queue while a later
    change went through) is kept as news but told to no one, and does not move the stage back: a resident
    who was told "closed" is not then told "work in progress".
    """
    if not uow.claim(event, f"{CONSUMER}.status_changed"):
        return []
    data, now = event["data"], now or _now()
    request = lock_request(uow.session, data["service_request_id"], now)
    changed_at = datetime.fromisoformat(data["changed_at"])
    current = request.stage_changed_at is None or changed_at >= as_utc(request.stage_changed_at)
    if current:
        request.stage, request.status, request.stage_changed_at = data["stage"], data["status"], changed_at
    request.updated_at = now
    message = message_for(data["stage"])
    if message is None:
        return []
    news = News(event_id=event["event_id"], service_request_id=data["service_request_id"], message=message,
                occurred_at=datetime.fromisoformat(event["occurred_at"]),
                details=json.dumps({"status_notes": data["status_notes"],
                                    "agency": data.get("agency_responsible") or request.department_name,
                                    "expected_at": data.get("expected_at")}))
    uow.session.add(news)
    if not current:
        return []
    recipients = audience(uow.session, data["service_request_id"])
    deliveries = [_tell(uow, settings, news, subscription, now) for subscription in recipients]
    if data["stage"] == "closed":
        for subscription in recipients:
            if subscription.role == "reporter":
                surveys.schedule(uow, settings, data["service_request_id"], subscription, now)
    return [d for d in deliveries if d is not None]


def _tell(uow, settings, news, subscription, now):
    context = news_context(settings, uow.session, news.service_request_id, subscription, json.loads(news.details))
    return enqueue(uow, settings, news.event_id, news.message, news.service_request_id, subscription,
                   context, now)


def _now():
    return datetime.now(timezone.utc)
