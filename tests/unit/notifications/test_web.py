"""The HTTP side on port 8313, one worker at a time: follow, unsubscribe, survey, inbound texts, listing."""
import json
import re

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder

from services.notifications.models import Subscription, Survey
from services.notifications.pages import VISITOR_COOKIE, Pages
from services.notifications.service import NotificationsService
from services.notifications.settings import DEFAULT_TEMPLATES
from tests.unit.notifications.conftest import deliveries, make_settings, published
from tests.unit.notifications.test_who_hears_what import contact, handle, status


@pytest.fixture
def service(uow):
    settings = make_settings(SMS_INBOUND_KEY="hook-key")
    worker = worker_factory(NotificationsService, uow=uow, settings=settings, pages=Pages(DEFAULT_TEMPLATES))
    handle(uow, settings, contact(language="es"), status("received"), status("closed"))
    return worker


def request(method="GET", path="/", **kw):
    return EnvironBuilder(method=method, path=path, **kw).get_request()


def body(response):
    return response.get_data(as_text=True)


def test_follow_api_validates_and_sends_a_confirmation_link_first(service):
    refused = [service.follow_api(request("POST", json=data)) for data in (
        {"service_request_id": "26-0000999", "email": "f@example.org"},
        {"service_request_id": "26-0000123"},
        {"service_request_id": "26-0000123", "email": "f@example.org", "phone": "4045550134"},
        {"service_request_id": "26-0000123", "email": "not an address"},
        {"service_request_id": "26-0000123", "email": 42})]
    assert [r.status_code for r in refused] == [404, 400, 400, 400, 400]
    assert json.loads(body(refused[0]))["errors"][0]["code"] == "unknown_request"
    assert json.loads(body(refused[3]))["errors"][0]["field"] == "email"
    ok = service.follow_api(request("POST", json={"service_request_id": "26-0000123", "phone": "(404) 555-0134"}))
    assert ok.status_code == 202 and json.loads(body(ok))["channel"] == "sms"
    [confirmation] = deliveries(service.uow, template="confirm_follow")
    assert confirmation.address == "+14045550134" and "26-0000123" in confirmation.text_body
    assert "4045550134" not in body(ok)


def test_the_follow_page_is_a_labelled_form_and_explains_errors_in_the_chosen_language(service):
    page = service.follow_page(request(path="/follow", query_string={"request": "26-0000123"}))
    assert page.status_code == 200 and '<label for="email">' in body(page) and 'value="26-0000123"' in body(page)
    browser = csrf_of(page)
    wrong = service.follow_form(request("POST", "/follow", query_string={"lang": "es"}, **browser.sends(
        {"service_request_id": "26-0000123", "email": "nope"})))
    assert wrong.status_code == 400 and 'role="alert"' in body(wrong) and 'aria-invalid="true"' in body(wrong)
    assert '<html lang="es">' in body(wrong) and "Esto no parece correcto" in body(wrong)
    assert 'name="csrf_token"' in body(wrong)
    done = service.follow_form(request("POST", "/follow", **browser.sends(
        {"service_request_id": "26-0000123", "email": "f@example.org", "language": "en"})))
    assert done.status_code == 200 and "Check your messages" in body(done)


class Browser:
    """A browser that was shown the follow form: its visitor cookie and the form's CSRF token."""

    def __init__(self, visitor, token):
        self.visitor, self.token = visitor, token

    def sends(self, data, token=None, visitor=None):
        return {"data": {**data, "csrf_token": token or self.token},
                "headers": {"Cookie": f"{VISITOR_COOKIE}={visitor or self.visitor}"}}


def csrf_of(page):
    visitor = re.search(rf"{VISITOR_COOKIE}=([^;]+)", page.headers["Set-Cookie"]).group(1)
    assert "HttpOnly" in page.headers["Set-Cookie"] and "SameSite=Lax" in page.headers["Set-Cookie"]
    return Browser(visitor, re.search(r'name="csrf_token" value="([^"]+)"', body(page)).group(1))


def test_unsubscribe_link_shows_a_page_and_the_button_stops_what_waits(service):
    with service.uow() as unit:
        subscription = unit.session.query(Subscription).one()
    token = service.settings.tokens.for_unsubscribe(subscription.subscription_id)
    assert service.unsubscribe_page(request(), "forged").status_code == 404
    page = service.unsubscribe_page(request(), token)
    assert page.status_code == 200 and "No recibir más mensajes" in body(page)
    assert service.unsubscribe(request("POST"), token).status_code == 200
    assert service.unsubscribe(request("POST"), token).status_code == 200            # twice is fine
    assert {d.status for d in deliveries(service.uow)} == {"cancelled"}


def test_the_survey_is_answered_once_and_not_fixed_is_published(service):
    with service.uow() as unit:
        survey = unit.session.query(Survey).one()
    token = service.settings.tokens.for_survey(survey.survey_id)
    form = service.survey_page(request(), token)
    assert form.status_code == 200 and "<legend>¿Se resolvió el problema?</legend>" in body(form)
    assert 'for="satisfaction-5"' in body(form) and '>Sí</label>' in body(form)
    incomplete = service.survey_answer(request("POST", data={"fixed": "no"}), token)
    assert incomplete.status_code == 400 and "satisfaction-error" in body(incomplete)
    answered = service.survey_answer(request("POST", data={"fixed": "no", "satisfaction": "2",
                                                           "comment": " Still a hole "}), token)
    assert answered.status_code == 200 and "Gracias" in body(answered)
    [responded] = published(service.uow, "SurveyResponded")
    assert responded["data"] | {"responded_at": None} == {
        "service_request_id": "26-0000123", "fixed": False, "satisfaction": 2, "has_comment": True,
        "comment": "Still a hole", "responded_at": None}
    again = service.survey_answer(request("POST", data={"fixed": "yes", "satisfaction": "5"}), token)
    assert again.status_code == 409 and len(published(service.uow, "SurveyResponded")) == 1
    assert service.survey_page(request(), token + "x").status_code == 404


def test_inbound_texts_need_the_gateway_key(service):
    stop = {"from": "+14045550134", "body": "STOP"}
    assert service.inbound_sms(request("POST", json=stop)).status_code == 401
    answer = service.inbound_sms(request("POST", json=stop, headers={"X-Webhook-Key": "hook-key"}))
    assert json.loads(body(answer)) == {"action": "opted_out"}
    bad = service.inbound_sms(request("POST", json={"body": 1}, headers={"X-Webhook-Key": "hook-key"}))
    assert bad.status_code == 400


def test_the_listing_shows_what_was_told_without_addresses(service):
    listed = json.loads(body(service.list_notifications(request(), "26-0000123")))["notifications"]
    assert [n["template"] for n in listed] == ["received", "closed", "survey"]
    assert listed[0]["subject"] == "Recibimos su solicitud 26-0000123" and listed[0]["status"] == "pending"
    assert "example.org" not in json.dumps(listed)


def test_the_request_view_counts_who_hears_without_naming_them(service):
    view = json.loads(body(service.get_request(request(), "26-0000123")))
    assert view["stage"] == "closed" and view["subscribers"] == {"reporter": 1, "follower": 0}
    assert "example.org" not in json.dumps(view)
    assert service.get_request(request(), "26-0000999").status_code == 404
