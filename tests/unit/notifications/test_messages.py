"""Every message renders in English and Spanish, for email (text + HTML) and SMS; failures are RenderErrors."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.notifications.messages import MESSAGE_FOR_STAGE, MessageTemplates, RenderError
from services.notifications.settings import DEFAULT_TEMPLATES

TEMPLATES = MessageTemplates(DEFAULT_TEMPLATES)
MESSAGES = sorted({*MESSAGE_FOR_STAGE.values(), "followed", "survey"})
CONTEXT = {"request_id": "26-0000123", "your_request_id": "26-0000123", "role": "reporter",
           "first_name": "Ana <script>", "tracking_url": "http://track.test/track/26-0000123",
           "status_notes": "Closed: pothole filled", "agency": "Public Works – Streets",
           "expected": datetime(2026, 11, 25, 17, 0, tzinfo=ZoneInfo("America/New_York")),
           "parent_request_id": None, "follow_url": "http://notify.test/follow?request=26-0000123",
           "unsubscribe_url": "http://notify.test/unsubscribe/TOKEN", "survey_url": "http://notify.test/survey/S"}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("message", MESSAGES)
def test_each_message_renders_for_email_and_sms(message, language):
    email = TEMPLATES.render(message, language, "email", CONTEXT)
    sms = TEMPLATES.render(message, language, "sms", CONTEXT)
    assert "26-0000123" in email.subject and "\n" not in email.subject
    assert "http://notify.test/unsubscribe/TOKEN" in email.text and "TOKEN" in email.html
    assert f'<html lang="{language}">' in email.html and "<script>" not in email.html
    assert sms.html is None and len(sms.text) <= 320
    assert ("STOP" if language == "en" else "ALTO") in sms.text


def test_the_received_message_says_how_to_track_and_the_routed_one_when():
    received = TEMPLATES.render("received", "en", "email", CONTEXT)
    assert "tracking number is 26-0000123" in received.text and CONTEXT["tracking_url"] in received.text
    routed = TEMPLATES.render("routed", "es", "email", CONTEXT)
    assert "Public Works – Streets" in routed.text and "miércoles, 25 de noviembre de 2026, 17:00 GMT-05:00" in routed.text
    assert "Wednesday, November 25, 2026, 5:00\u202fPM EST" in TEMPLATES.render("routed", "en", "email", CONTEXT).html


def test_the_expected_time_is_in_the_zone_it_is_given_in_and_names_it():
    utc = dict(CONTEXT, expected=CONTEXT["expected"].astimezone(ZoneInfo("UTC")))
    assert "Wednesday, November 25, 2026, 10:00\u202fPM UTC" in TEMPLATES.render("routed", "en", "email", utc).text
    assert "prevista para el 25/11/26, 17:00 GMT-05:00" in TEMPLATES.render("routed", "es", "sms", CONTEXT).text
    with pytest.raises(RenderError, match="without a zone"):
        TEMPLATES.render("routed", "en", "email", dict(CONTEXT, expected=CONTEXT["expected"].replace(tzinfo=None)))


def test_closed_gives_the_resolution_and_reporters_hear_of_the_survey():
    closed = TEMPLATES.render("closed", "en", "email", CONTEXT)
    assert "Closed: pothole filled" in closed.text and "survey" in closed.text
    assert "survey" not in TEMPLATES.render("closed", "en", "email", dict(CONTEXT, role="follower")).text


def test_reporters_of_a_duplicate_are_told_whose_news_it_is():
    text = TEMPLATES.render("work_started", "en", "email", dict(CONTEXT, your_request_id="26-0000200")).text
    assert "request 26-0000123, which your report 26-0000200 was joined to" in text


def test_an_unknown_language_falls_back_to_english():
    assert TEMPLATES.render("received", "fr", "email", CONTEXT).subject.startswith("We received")


def test_a_missing_field_or_a_broken_template_is_a_render_error(tmp_path):
    context = dict(CONTEXT)
    del context["tracking_url"]
    with pytest.raises(RenderError, match="tracking_url"):
        TEMPLATES.render("received", "en", "email", context)
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "received.txt").write_text("{% set subject %}{{ request_id {% endset %}")
    with pytest.raises(RenderError, match="TemplateSyntaxError"):
        MessageTemplates(tmp_path).render("received", "en", "email", CONTEXT)
    with pytest.raises(RenderError, match="not found|TemplateNotFound"):
        MessageTemplates(tmp_path).render("closed", "en", "email", CONTEXT)
