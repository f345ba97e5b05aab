"""Information contacts: a call answered from the knowledge base, counted by metrics."""
import uuid
from datetime import datetime, timezone

from services.intake.knowledge.models import InformationContact

CHANNELS = ("phone", "walk_in")


def log_answer(uow, topic, article, channel, call_taker):
    """Record that `topic` was answered (with `article`, or None for an answer from elsewhere).

    Stores the contact and records InformationRequestLogged in the same unit of
    work; returns the contact, whose `contact_id` is minted from its row id.
    """
    now = datetime.now(timezone.utc)
    contact = InformationContact(
        contact_id=f"pending-{uuid.uuid4().hex}", topic=topic[:300],
        article_slug=article.slug if article else None, department=article.department if article else None,
        channel=channel, call_taker=call_taker, logged_at=now)
    uow.session.add(contact)
    uow.session.flush()
    contact.contact_id = f"info-{contact.id:07d}"
    uow.publish("InformationRequestLogged", {
        "contact_id": contact.contact_id, "topic": contact.topic, "article_id": contact.article_slug,
        "department": contact.department, "channel": channel, "call_taker": call_taker,
        "logged_at": now.isoformat()}, correlation_id=contact.contact_id)
    return contact
