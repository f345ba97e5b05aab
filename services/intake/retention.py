"""Intake's part of retention (shared/retention.py): reporters' and followers' contact details of requests
closed before the cutoff are blanked; the request, its timeline and how the resident asked to hear stay."""
from sqlalchemy import or_, select

from services.intake.models import ReporterContact, ServiceRequest
from services.intake.web.models import RequestFollower

CONTACT_FIELDS = ("email", "phone", "first_name", "last_name", "device_id", "account_id")
FOLLOWER_FIELDS = ("email", "phone", "first_name", "last_name")


def erase_batch(session, cutoff, limit, now=None):
    """Blank up to `limit` reporters' and followers' contact details of long-closed requests; the counts."""
    closed = select(ServiceRequest.id).where(ServiceRequest.status == "closed", ServiceRequest.updated_at < cutoff)
    return {"reporter_contacts": _blank(session, ReporterContact, CONTACT_FIELDS, closed, limit),
            "followers": _blank(session, RequestFollower, FOLLOWER_FIELDS, closed, limit)}


def _blank(session, model, fields, closed, limit):
    still_held = or_(*(getattr(model, name).isnot(None) for name in fields))
    rows = session.execute(select(model).where(model.request_pk.in_(closed), still_held).limit(limit)).scalars().all()
    for row in rows:
        for name in fields:
            setattr(row, name, None)
    return len(rows)
