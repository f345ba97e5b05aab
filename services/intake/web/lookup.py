"""Finding requests for a call-taker: a caller's earlier requests, and open ones near a new report."""
import re

from sqlalchemy import or_, select

from services.intake import store
from services.intake.models import ReporterContact, ServiceRequest
from services.intake.open311.contact import normalise_email, normalise_phone
from services.intake.open311.errors import Open311Error
from services.intake.open311.queries import Area, RequestQuery
from services.intake.web.models import RequestFollower

TRACKING_NUMBER = re.compile(r"\d{2}-\d{7}")
NEARBY_METRES = 150
LISTED = 50


class UnreadableSearch(ValueError):
    """The text is neither a tracking number, an email address nor a phone number."""


def requests_of_caller(session, typed):
    """Requests a caller filed or follows, newest first, found by tracking number, email or phone."""
    typed = typed.strip()
    if TRACKING_NUMBER.fullmatch(typed):
        return store.by_ids(session, [typed])
    try:
        if "@" in typed:
            email = normalise_email(typed)
            filed, followed = ReporterContact.email == email, RequestFollower.email == email
        else:
            phone = normalise_phone(typed)
            filed, followed = ReporterContact.phone == phone, RequestFollower.phone == phone
    except Open311Error:
        raise UnreadableSearch(typed) from None
    reporters = select(ReporterContact.request_pk).where(filed)
    followers = select(RequestFollower.request_pk).where(followed)
    return session.execute(select(ServiceRequest).where(or_(ServiceRequest.id.in_(reporters),
                                                            ServiceRequest.id.in_(followers)))
                           .order_by(ServiceRequest.requested_at.desc()).limit(LISTED)).scalars().all()


def open_nearby(session, service_code, lat, long, radius_metres=NEARBY_METRES):
    """Open requests for the same service within `radius_metres`, original reports only, newest first."""
    query = RequestQuery(service_codes=(service_code,), statuses=("open",),
                         area=Area(lat, long, radius_metres), page_size=LISTED)
    return [r for r in store.search(session, query) if r.parent_request_id is None]


def contact_of(session, record):
    return session.get(ReporterContact, record.id)
