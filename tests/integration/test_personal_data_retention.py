"""Retention on real databases: personal data of requests closed longer ago than PERSONAL_DATA_RETENTION_DAYS
is erased by each service's timer; open and recently closed requests keep theirs; the records stay."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select, update

from services.intake.models import ReporterContact, ServiceRequest
from services.intake.service import IntakeService
from services.intake.web.models import RequestFollower
from services.notifications.models import Delivery, Request, Subscription, Survey
from services.notifications.service import NotificationsService
from services.routing.models import RoutedRequest
from services.routing.service import RoutingService
from shared import retention
from shared.retention import RetentionPolicy, erase_expired, retention_policy
from tests.unit.notifications.conftest import make_settings
from tests.unit.notifications.test_who_hears_what import contact, handle, status

NOW = datetime.now(timezone.utc)
LONG_AGO, LATELY = NOW - timedelta(days=400), NOW - timedelta(days=10)
# (tracking id, status, when it last changed): only the first is past the default 365 days.
REQUESTS = [("26-0000001", "closed", LONG_AGO), ("26-0000002", "closed", LATELY), ("26-0000003", "open", LONG_AGO)]


def _intake_request(session, sid, state, changed):
    row = ServiceRequest(service_request_id=sid, token=uuid.uuid4().hex, jurisdiction_id="sample", service_code="POTHOLE",
                         service_name="Pothole", channel="web", status=state, stage=state if state == "closed" else "routed",
                         requested_at=changed - timedelta(days=3), updated_at=changed)
    session.add(row)
    session.flush()
    session.add(ReporterContact(request_pk=row.id, email=f"r{sid}@example.org", phone="+14045550134", first_name="Ana",
                                last_name="López", device_id="device-1", account_id="acct-1", notify_by="email", language="es"))
    session.add(RequestFollower(request_pk=row.id, email=f"f{sid}@example.org", phone=None, first_name="Bo", last_name="Li",
                                notify_by="email", language="en", channel="phone", added_at=changed))


def test_intake_erases_contact_details_of_long_closed_requests_only(service_databases):
    uow = service_databases("intake")
    with uow() as unit:
        for sid, state, changed in REQUESTS:
            _intake_request(unit.session, sid, state, changed)
    worker_factory(IntakeService, uow=uow).erase_expired_personal_data()
    with uow() as unit:
        contacts = {r.service_request_id: c for r, c in unit.session.execute(
            select(ServiceRequest, ReporterContact).join(ReporterContact, ReporterContact.request_pk == ServiceRequest.id))}
        followers = {r.service_request_id: f for r, f in unit.session.execute(
            select(ServiceRequest, RequestFollower).join(RequestFollower, RequestFollower.request_pk == ServiceRequest.id))}
        erased = contacts["26-0000001"]
        assert (erased.email, erased.phone, erased.first_name, erased.last_name, erased.device_id, erased.account_id) == (None,) * 6
        assert (erased.notify_by, erased.language) == ("email", "es")          # how, not who: kept
        assert (followers["26-0000001"].email, followers["26-0000001"].first_name) == (None, None)
        for kept in ("26-0000002", "26-0000003"):
            assert contacts[kept].email == f"r{kept}@example.org" and contacts[kept].first_name == "Ana"
            assert followers[kept].email == f"f{kept}@example.org"
        assert unit.session.execute(select(ServiceRequest.status).where(
            ServiceRequest.service_request_id == "26-0000001")).scalar_one() == "closed"   # the record stays


def test_a_shorter_retention_takes_recently_closed_requests_too_in_batches(service_databases, monkeypatch):
    uow = service_databases("intake")
    with uow() as unit:
        for n in range(5):
            _intake_request(unit.session, f"26-000010{n}", "closed", LATELY)
    monkeypatch.setattr(retention, "BATCH_SIZE", 2)
    from services.intake import retention as intake_retention
    totals = erase_expired(uow, intake_retention.erase_batch, RetentionPolicy(30, 3600), "intake")
    assert totals == {"reporter_contacts": 0, "followers": 0}
    totals = erase_expired(uow, intake_retention.erase_batch, RetentionPolicy(5, 3600), "intake")
    assert totals == {"reporter_contacts": 5, "followers": 5}
    assert erase_expired(uow, intake_retention.erase_batch, RetentionPolicy(5, 3600), "intake") == \
        {"reporter_contacts": 0, "followers": 0}


def test_routing_erases_survey_comments_of_long_closed_requests_only(service_databases):
    uow = service_databases("routing")
    with uow() as unit:
        for sid, state, changed in REQUESTS:
            unit.session.add(RoutedRequest(
                service_request_id=sid, service_code="POTHOLE", requested_at=changed - timedelta(days=3), outcome="routed",
                open=state == "open", decided_at=changed - timedelta(days=3), not_fixed_at=changed,
                not_fixed_comment="Still there. Call me on 404 555 0134, Ana", followed_up_by="lee",
                followed_up_at=changed, follow_up_note="Called Ana back"))
    worker_factory(RoutingService, uow=uow).erase_expired_personal_data()
    with uow() as unit:
        rows = {r.service_request_id: r for r in unit.session.execute(select(RoutedRequest)).scalars()}
    assert (rows["26-0000001"].not_fixed_comment, rows["26-0000001"].follow_up_note) == (None, None)
    assert rows["26-0000001"].not_fixed_at is not None and rows["26-0000001"].followed_up_by == "lee"
    for kept in ("26-0000002", "26-0000003"):
        assert rows[kept].not_fixed_comment.startswith("Still there") and rows[kept].follow_up_note == "Called Ana back"


def test_notifications_erases_addresses_messages_and_comments_of_long_closed_requests_only(service_databases):
    uow, settings = service_databases("notifications"), make_settings()
    for sid, state, changed in REQUESTS:
        handle(uow, settings, contact(sid, email=f"r{sid}@example.org"), status("received", sid),
               status(state if state == "closed" else "routed", sid))
        with uow() as unit:
            unit.session.execute(update(Request).where(Request.service_request_id == sid).values(stage_changed_at=changed))
            unit.session.execute(update(Delivery).where(Delivery.service_request_id == sid).values(status="sent"))
            unit.session.execute(update(Survey).where(Survey.service_request_id == sid).values(
                comment="Not fixed, ring Ana at 404 555 0134", responded_at=changed, fixed=False, satisfaction=2))
    worker_factory(NotificationsService, uow=uow).erase_expired_personal_data()
    with uow() as unit:
        session = unit.session
        subscriptions = {s.service_request_id: s for s in session.execute(select(Subscription)).scalars()}
        deliveries = session.execute(select(Delivery)).scalars().all()
        surveys = {s.service_request_id: s for s in session.execute(select(Survey)).scalars()}
    old = subscriptions["26-0000001"]
    assert old.address == f"erased:{old.subscription_id}" and old.unsubscribed_at is not None
    for delivery in deliveries:
        if delivery.service_request_id == "26-0000001":
            assert delivery.address == f"erased:{delivery.delivery_id}" and delivery.text_body == ""
            assert delivery.html_body is None and delivery.unsubscribe_url is None
            assert delivery.status == "sent" and delivery.template in ("received", "closed", "survey")  # what, when
        else:
            assert delivery.address == f"r{delivery.service_request_id}@example.org" and delivery.text_body
    assert surveys["26-0000001"].comment is None and surveys["26-0000001"].satisfaction == 2
    assert surveys["26-0000002"].comment.startswith("Not fixed")
    for kept in ("26-0000002", "26-0000003"):
        assert subscriptions[kept].address == f"r{kept}@example.org" and subscriptions[kept].unsubscribed_at is None


@pytest.mark.parametrize("setting", [{"PERSONAL_DATA_RETENTION_DAYS": "0"}, {"PERSONAL_DATA_RETENTION_DAYS": "a year"},
                                     {"RETENTION_CHECK_SECONDS": "-5"}])
def test_a_retention_setting_that_is_not_a_positive_number_stops_start_up_naming_it(setting):
    [(name, value)] = setting.items()
    with pytest.raises(ValueError, match=f"{name} must be a number of at least 1, not '{value}'"):
        retention_policy(setting)


def test_the_default_is_a_year_checked_hourly():
    assert retention_policy({}) == RetentionPolicy(365, 3600.0)
