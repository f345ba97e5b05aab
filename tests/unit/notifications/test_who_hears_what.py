"""Who hears about what: reporters, followers, duplicates' reporters; once each, whatever the order of events."""
import json

from services.notifications import handlers, subscriptions
from services.notifications.models import News, Request, Survey
from tests.unit.notifications.conftest import Clock, deliveries, event, make_settings, published


def contact(sid="26-0000123", **changes):
    data = {"service_request_id": sid, "email": "resident@example.org", "phone": None,
            "first_name": "Ana", "notify_by": "email", "language": "en", **changes}
    return event("ReporterContactRecorded", correlation_id=sid, **data)


def status(stage, sid="26-0000123", **changes):
    closed = stage in ("closed", "cancelled")
    return event("RequestStatusChanged", correlation_id=sid, service_request_id=sid, stage=stage,
                 status="closed" if closed else "open", **changes)


CLOCK = Clock()


def handle(uow, settings, *events):
    """Handle each event in its own unit of work, a second apart."""
    for e in events:
        CLOCK.advance(seconds=1)
        with uow() as unit:
            if e["event_type"] == "ReporterContactRecorded":
                handlers.record_contact(unit, e, settings, now=CLOCK.now)
            elif e["event_type"] == "RequestStatusChanged":
                handlers.status_changed(unit, e, settings, now=CLOCK.now)
            elif e["event_type"] == "RequestRouted":
                handlers.request_routed(unit, e, now=CLOCK.now)
            else:
                handlers.duplicate_detected(unit, e, now=CLOCK.now)


def test_the_reporter_hears_each_stage_once_even_when_events_are_redelivered(uow, settings):
    received, routed = status("received"), status("routed")
    handle(uow, settings, contact(), received, received, routed, routed, status("work_order_created"))
    sent = deliveries(uow)
    assert [d.template for d in sent] == ["received", "routed"]
    assert all(d.channel == "email" and d.address == "resident@example.org" for d in sent)
    assert "Public Works – Streets" in sent[1].subject and sent[1].html_body.startswith("<!doctype html>")
    assert published(uow, "NotificationSent") == []          # only once a message really went out


def test_news_that_came_before_the_contact_is_not_lost(uow, settings):
    handle(uow, settings, status("received"), contact(notify_by="sms", phone="404-555-0134"))
    [delivery] = deliveries(uow)
    assert (delivery.template, delivery.channel, delivery.address) == ("received", "sms", "+14045550134")
    assert "STOP" in delivery.text_body and delivery.html_body is None


def test_spanish_speakers_get_spanish_and_silent_reporters_get_nothing(uow, settings):
    handle(uow, settings, contact(language="es"), status("received"),
           contact("26-0000999", notify_by="none"), status("received", "26-0000999"))
    [delivery] = deliveries(uow)
    assert delivery.subject == "Recibimos su solicitud 26-0000123" and delivery.language == "es"


def test_reporters_of_duplicates_hear_the_parents_news(uow, settings):
    duplicate = event("RequestDuplicateDetected", correlation_id="26-0000200",
                      service_request_id="26-0000200", parent_request_id="26-0000123")
    handle(uow, settings, contact(), contact("26-0000200", email="neighbour@example.org"), duplicate,
           status("in_progress"))
    by_address = {d.address: d for d in deliveries(uow, template="work_started")}
    assert set(by_address) == {"resident@example.org", "neighbour@example.org"}
    neighbour = by_address["neighbour@example.org"]
    assert neighbour.service_request_id == "26-0000200" and neighbour.about_request_id == "26-0000123"
    assert "which your report 26-0000200 was joined to" in neighbour.text_body


def test_someone_both_reporter_and_follower_gets_one_message(uow, settings):
    handle(uow, settings, contact(), status("received"))
    with uow() as unit:
        asked = subscriptions.ask_to_follow(unit, settings, {"service_request_id": "26-0000123",
                                                             "email": "RESIDENT@example.org"}, CLOCK.now)
    token = settings.tokens.for_follow(asked.service_request_id, asked.channel, asked.address, asked.language)
    with uow() as unit:
        subscriptions.confirm_follow(unit, settings, token, CLOCK.now)
    handle(uow, settings, status("routed"))
    assert [d.template for d in deliveries(uow, template="routed")] == ["routed"]


def test_closure_schedules_one_survey_per_reporter_after_the_delay(uow, settings):
    closed = status("closed", status_notes="Closed: pothole filled")
    handle(uow, settings, contact(), closed, status("reopened"), status("closed"))
    [survey_mail] = deliveries(uow, template="survey")
    [closed_mail, _] = deliveries(uow, template="closed")
    assert survey_mail.next_attempt_at == closed_mail.created_at + settings.survey_delay
    assert "/survey/" in survey_mail.text_body and "Closed: pothole filled" in closed_mail.text_body
    with uow() as unit:
        assert unit.session.query(Survey).count() == 1


def test_a_template_error_fails_that_message_visibly_and_the_others_go_on(uow, tmp_path):
    import shutil
    from services.notifications.settings import DEFAULT_TEMPLATES
    shutil.copytree(DEFAULT_TEMPLATES, tmp_path / "templates")
    (tmp_path / "templates" / "en" / "routed.txt").write_text("{% set subject %}{{ no_such_field }}{% endset %}")
    settings = make_settings(TEMPLATES_DIR=str(tmp_path / "templates"))
    handle(uow, settings, contact(), contact("26-0000124", email="other@example.org", language="es"))
    handle(uow, settings, status("routed"), status("routed", "26-0000124"), status("closed"))
    failed = deliveries(uow, status="failed")
    assert [(d.template, d.service_request_id) for d in failed] == [("routed", "26-0000123")]
    [notice] = published(uow, "NotificationFailed")
    assert notice["data"]["permanent"] is True and "no_such_field" in notice["data"]["reason"]
    assert "example.org" not in json.dumps(notice)
    assert {d.template for d in deliveries(uow, status="pending")} == {"routed", "closed", "survey"}


def test_an_opted_out_number_is_not_even_queued(uow, settings):
    with uow() as unit:
        assert subscriptions.inbound_text(unit, settings, "+1 404 555 0134", " stop ", CLOCK.now) == "opted_out"
    handle(uow, settings, contact(notify_by="sms", phone="404-555-0134"), status("received"))
    assert deliveries(uow) == []
    with uow() as unit:
        assert subscriptions.inbound_text(unit, settings, "4045550134", "START", CLOCK.now) == "opted_in"
    handle(uow, settings, status("routed"))
    assert [d.template for d in deliveries(uow)] == ["routed"]


def test_a_status_change_older_than_the_stage_told_is_kept_but_told_to_no_one(uow, settings):
    """A retried "work in progress" that waited in the delay queue while the closing went through."""
    started = status("in_progress", changed_at="2026-11-23T10:00:00+00:00")
    closed = status("closed", changed_at="2026-11-23T11:00:00+00:00", status_notes="Pothole filled")
    handle(uow, settings, contact(), closed, started)
    assert sorted(d.template for d in deliveries(uow)) == ["closed", "survey"]
    with uow() as unit:
        request = unit.session.get(Request, "26-0000123")
        assert (request.stage, request.status) == ("closed", "closed")
        assert {n.message for n in unit.session.query(News)} == {"closed", "work_started"}


def test_status_changes_in_order_each_move_the_stage_and_are_told(uow, settings):
    handle(uow, settings, contact(), status("routed", changed_at="2026-11-23T09:00:00+00:00"),
           status("in_progress", changed_at="2026-11-23T10:00:00+00:00"),
           status("closed", changed_at="2026-11-23T11:00:00+00:00"))
    assert [d.template for d in deliveries(uow) if d.template != "survey"] == ["routed", "work_started", "closed"]
    with uow() as unit:
        assert unit.session.get(Request, "26-0000123").stage == "closed"
