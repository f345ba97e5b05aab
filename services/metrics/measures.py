"""Measures computed from the facts."""
from sqlalchemy import func, select

from services.metrics.models import InformationFact, RequestFact


def summary(session):
    """Counts of requests by lifecycle stage, and of information contacts."""
    def count(*where):
        return session.execute(select(func.count()).select_from(RequestFact).where(*where)).scalar_one()
    return {
        "requests_created": count(RequestFact.created_at.is_not(None)),
        "requests_routed": count(RequestFact.routed_at.is_not(None)),
        "work_orders_created": count(RequestFact.work_order_at.is_not(None)),
        "requests_closed": count(RequestFact.closed_at.is_not(None)),
        "duplicates": count(RequestFact.duplicate_of.is_not(None)),
        "in_triage": count(RequestFact.triage_reason.is_not(None)),
        "work_orders_failed": count(RequestFact.work_order_failed.is_(True)),
        "information_contacts": session.execute(
            select(func.count()).select_from(InformationFact)).scalar_one(),
    }


def request_fact(session, service_request_id):
    """One request's fact as JSON-ready dict, or None."""
    fact = session.get(RequestFact, service_request_id)
    if fact is None:
        return None
    return {column.name: _jsonable(getattr(fact, column.name)) for column in RequestFact.__table__.columns}


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
