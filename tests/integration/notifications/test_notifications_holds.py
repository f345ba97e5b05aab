"""Quiet hours, emergencies, the rate limit and a broken template, on a service configured for them.

Quiet hours are set to a window around the current local time, so nothing waits on the wall clock.
"""
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from services.notifications.settings import DEFAULT_TEMPLATES
from tests.support.waiting import wait_until

CITY_ZONE = ZoneInfo("America/New_York")    # the sample jurisdiction's timezone
BACKENDS = ["sqlite"]                        # policies do not depend on the database; keep the suite short


def SERVICE_ENV(workdir):
    window = quiet_window_around_now()
    templates = workdir / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, templates)
    (templates / "en" / "work_started.txt").write_text("{% set subject %}{{ crew_name }}{% endset %}")
    return {"QUIET_HOURS": window, "NOTIFY_RATE_LIMIT_MAX": "2", "NOTIFICATIONS_TEMPLATES_DIR": str(templates)}


def quiet_window_around_now():
    """Local quiet hours from an hour ago to three hours ahead, counted in real time: the service reads the end as
    a wall-clock time, which the night the clocks go back comes first an hour earlier (and the night they spring
    forward, two wall-clock hours ahead are only one hour away). Texts held now are released over an hour later."""
    now = datetime.now(timezone.utc)
    start, end = ((now + timedelta(hours=hours)).astimezone(CITY_ZONE) for hours in (-1, 3))
    return f"{start:%H:%M}-{end:%H:%M}"


def new_id():
    return f"26-{uuid.uuid4().int % 10_000_000:07d}"


def test_texts_are_held_in_quiet_hours_but_emergencies_and_email_go(stack):
    service, servers, _ = stack
    quiet, emergency, mail = new_id(), new_id(), new_id()
    service.contact(quiet, notify_by="sms", phone="+14045550201")
    service.contact(emergency, notify_by="sms", phone="+14045550202")
    service.contact(mail, email="night@example.org")
    service.routed(emergency, priority="emergency")
    for sid in (quiet, emergency, mail):
        service.status(sid, "received")
    servers.wait_texts("+14045550202")
    servers.wait_mails("night@example.org")
    [held] = service.wait_notifications(quiet, lambda ns: [n for n in ns if n["status"] == "held"], what="held")
    assert held["hold_reason"] == "quiet_hours"
    release = datetime.fromisoformat(held["next_attempt_at"]).astimezone(CITY_ZONE)
    assert release > datetime.now(CITY_ZONE) + timedelta(hours=1)
    assert servers.texts("+14045550201") == []


def test_the_rate_limit_holds_the_excess_instead_of_dropping_it(stack):
    service, servers, _ = stack
    sid = new_id()
    service.contact(sid, email="busy@example.org")
    for stage in ("received", "routed", "duplicate"):      # none of these brings a survey
        service.status(sid, stage)
    servers.wait_mails("busy@example.org", 2)
    held = service.wait_notifications(sid, lambda ns: [n for n in ns if n["status"] == "held"], what="held")
    assert [h["hold_reason"] for h in held] == ["rate_limit"]
    assert len(servers.mails("busy@example.org")) == 2


def test_a_broken_template_fails_that_message_and_the_service_goes_on(stack):
    service, servers, tap = stack
    sid = new_id()
    service.contact(sid, email="steady@example.org")
    service.status(sid, "in_progress")                      # its English template is broken
    service.status(sid, "closed", status_notes="Closed: pothole filled")
    [failed] = wait_until(lambda: tap.of_type("NotificationFailed", sid), 30, what="NotificationFailed")
    assert failed["data"]["template"] == "work_started" and failed["data"]["permanent"] is True
    assert "crew_name" in failed["data"]["reason"]
    [closed] = servers.wait_mails("steady@example.org")
    assert closed["subject"] == f"Request {sid} is closed"
    statuses = {n["template"]: n["status"] for n in service.notifications(sid)}
    assert statuses["work_started"] == "failed" and statuses["closed"] == "sent"
