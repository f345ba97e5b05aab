"""Attaching a caller to an open request instead of filing a duplicate: they follow it and hear its news."""
from datetime import datetime, timezone

from sqlalchemy import select

from services.intake.models import ServiceRequest
from services.intake.web.models import RequestFollower
from shared.i18n import N_


class CannotFollow(ValueError):
    """The request does not exist or is closed; `reason` is the message (an English msgid)."""

    def __init__(self, reason):
        self.reason = reason
        super().__init__(reason)


def attach_caller(uow, service_request_id, contact, notify_by, language, channel, call_taker):
    """Record the caller as a follower of an open request and tell notifications (ReporterContactRecorded).

    `contact` holds already-normalised email, phone, first_name and last_name.
    """
    record = uow.session.execute(select(ServiceRequest).where(
        ServiceRequest.service_request_id == service_request_id)).scalar_one_or_none()
    if record is None:
        raise CannotFollow(N_("There is no request with that number. Check it and try again."))
    if record.status != "open":
        raise CannotFollow(N_("That request is already closed; file a new one instead."))
    follower = RequestFollower(request_pk=record.id, notify_by=notify_by, language=language, channel=channel,
                               call_taker=call_taker, added_at=datetime.now(timezone.utc), **contact)
    uow.session.add(follower)
    uow.publish("ReporterContactRecorded", {"service_request_id": record.service_request_id, **contact,
                                            "notify_by": notify_by, "language": language},
                correlation_id=record.service_request_id)
    return record


def followers_of(session, record):
    return session.execute(select(RequestFollower).where(RequestFollower.request_pk == record.id)
                           .order_by(RequestFollower.id)).scalars().all()
