"""The repository of service requests: filing, finding and querying the public record."""
import math
import uuid
from datetime import datetime, timezone

from sqlalchemy import select

from services.intake import public_record
from services.intake.models import ReporterContact, ServiceRequest

EARTH_RADIUS_M = 6_371_000


def _aware(value):
    return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)


def file_request(uow, new, service, jurisdiction_id, channel, application=None, call_taker=None,
                 notify_by=None, language="en"):
    """Store a validated request, mint its tracking id and record RequestCreated, in one transaction."""
    now = datetime.now(timezone.utc)
    record = ServiceRequest(
        service_request_id=f"pending-{uuid.uuid4().hex}", token=uuid.uuid4().hex,
        jurisdiction_id=jurisdiction_id, service_code=service.service_code,
        service_name=service.service_name, description=new.description or "",
        attributes=new.attributes, lat=new.lat, long=new.long, address=new.address_string,
        address_id=new.address_id, media_url=new.media_url, channel=channel,
        client_application=application, call_taker=call_taker, status="open", stage="received",
        status_notes="", requested_at=now, updated_at=now)
    uow.session.add(record)
    uow.session.flush()                     # the row id makes the tracking number
    record.service_request_id = f"{now:%y}-{record.id:07d}"
    uow.session.add(_contact(record, new, notify_by, language))
    uow.publish("RequestCreated", _created_data(record), correlation_id=record.service_request_id)
    if new.email or new.phone:
        uow.publish("ReporterContactRecorded", {
            "service_request_id": record.service_request_id, "email": new.email, "phone": new.phone,
            "first_name": new.first_name, "last_name": new.last_name,
            "notify_by": _notify_by(new, notify_by), "language": language},
            correlation_id=record.service_request_id)
    public_record.received(uow, record)
    return record


def _notify_by(new, chosen):
    if chosen:
        return chosen
    return "email" if new.email else ("sms" if new.phone else "none")


def _contact(record, new, notify_by, language):
    return ReporterContact(request_pk=record.id, email=new.email, phone=new.phone,
                           first_name=new.first_name, last_name=new.last_name, device_id=new.device_id,
                           account_id=new.account_id, notify_by=_notify_by(new, notify_by),
                           language=language)


def _created_data(record):
    return {"service_request_id": record.service_request_id, "jurisdiction_id": record.jurisdiction_id,
            "service_code": record.service_code, "service_name": record.service_name,
            "description": record.description, "attributes": record.attributes, "lat": record.lat,
            "long": record.long, "address": record.address, "media_url": record.media_url,
            "channel": record.channel, "client_application": record.client_application,
            "call_taker": record.call_taker, "requested_at": _aware(record.requested_at).isoformat()}


def by_ids(session, ids):
    rows = session.execute(select(ServiceRequest).where(ServiceRequest.service_request_id.in_(ids))).scalars()
    found = {row.service_request_id: row for row in rows}
    return [found[i] for i in ids if i in found]


def by_token(session, token):
    return session.execute(select(ServiceRequest).where(ServiceRequest.token == token)).scalar_one_or_none()


def search(session, query):
    """Run a RequestQuery: filters in SQL, the radius on the rows the bounding box lets through."""
    if query.service_request_ids:
        return by_ids(session, list(query.service_request_ids))
    statement = select(ServiceRequest).order_by(ServiceRequest.requested_at.desc(), ServiceRequest.id.desc())
    if query.service_codes:
        statement = statement.where(ServiceRequest.service_code.in_(query.service_codes))
    if query.statuses:
        statement = statement.where(ServiceRequest.status.in_(query.statuses))
    for column, window in ((ServiceRequest.requested_at, query.requested), (ServiceRequest.updated_at, query.updated)):
        if window is not None:
            statement = statement.where(column >= window.after, column <= window.before)
    if query.area is None:
        return session.execute(statement.offset(query.offset).limit(query.page_size)).scalars().all()
    rows = [r for r in session.execute(_in_box(statement, query.area)).scalars() if _within(r, query.area)]
    return rows[query.offset:query.offset + query.page_size]


def _in_box(statement, area):
    dlat = math.degrees(area.radius_metres / EARTH_RADIUS_M)
    dlong = dlat / max(math.cos(math.radians(area.lat)), 1e-6)
    return statement.where(ServiceRequest.lat.between(area.lat - dlat, area.lat + dlat),
                           ServiceRequest.long.between(area.long - dlong, area.long + dlong))


def _within(row, area):
    p1, p2 = math.radians(area.lat), math.radians(row.lat)
    dp, dl = p2 - p1, math.radians(row.long - area.long)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h)) <= area.radius_metres


def public_view(row):
    """What the Open311 renderer may read of a request: never the reporter's contact details."""
    return {
        "service_request_id": row.service_request_id, "status": row.status, "status_notes": row.status_notes,
        "service_name": row.service_name, "service_code": row.service_code, "description": row.description,
        "agency_responsible": row.agency_responsible, "service_notice": None,
        "requested_datetime": _aware(row.requested_at), "updated_datetime": _aware(row.updated_at),
        "expected_datetime": _aware(row.expected_at), "address": row.address, "address_id": row.address_id,
        "zipcode": row.zipcode, "lat": row.lat, "long": row.long, "media_url": row.media_url,
        "extended_attributes": {"channel": row.channel, "district": row.district,
                                "neighbourhood": row.neighbourhood,
                                "duplicate": row.parent_request_id is not None,
                                "parent_request_id": row.parent_request_id},
        "notes": [{"type": n.type, "description": n.summary, "datetime": _aware(n.at)} for n in row.notes],
    }
