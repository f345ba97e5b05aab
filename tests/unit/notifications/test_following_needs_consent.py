"""Following a request: nobody is subscribed until the address itself confirms through a signed link; the
follow form carries a CSRF token; the API takes JSON only; no body larger than a form needs is read."""
import json
import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from services.notifications.models import Subscription
from shared.internal_api import MAX_FORM_BYTES
from tests.unit.notifications.conftest import deliveries
from tests.unit.notifications.test_web import body, csrf_of, request, service  # noqa: F401 (fixture)

STRANGER = {"service_request_id": "26-0000123", "email": "stranger@example.org", "language": "es"}


def followers(service):  # noqa: F811
    with service.uow() as unit:
        return [(s.address, s.unsubscribed_at) for s in unit.session.query(Subscription).filter_by(role="follower")]


def confirmation_token(service, address="stranger@example.org"):  # noqa: F811
    [confirmation] = deliveries(service.uow, template="confirm_follow", address=address)
    return re.search(r"/follow/confirm/(\S+)", confirmation.text_body).group(1)


def test_asking_to_follow_subscribes_nobody_and_sends_only_the_confirmation(service):  # noqa: F811
    assert service.follow_api(request("POST", json=STRANGER)).status_code == 202
    assert followers(service) == []
    sent = deliveries(service.uow, address="stranger@example.org")
    assert [d.template for d in sent] == ["confirm_follow"]
    assert sent[0].subject == "Confirme: seguir la solicitud 26-0000123" and sent[0].unsubscribe_url is None
    assert "/follow/confirm/" in sent[0].text_body and "/follow/confirm/" in sent[0].html_body


def test_following_the_confirmation_link_subscribes_the_address_and_says_how_to_stop(service):  # noqa: F811
    service.follow_api(request("POST", json=STRANGER))
    token = confirmation_token(service)
    page = service.confirm_follow_page(request(), token)
    assert page.status_code == 200 and "<form" in body(page) and '<html lang="es">' in body(page)
    assert followers(service) == []                       # opening the link (a mail scanner) is not consent
    done = service.confirm_follow(request("POST"), token)
    assert done.status_code == 200 and "Usted sigue la solicitud" in body(done)
    assert followers(service) == [("stranger@example.org", None)]
    [followed] = deliveries(service.uow, template="followed", address="stranger@example.org")
    assert followed.unsubscribe_url and "/unsubscribe/" in followed.unsubscribe_url
    assert service.confirm_follow(request("POST"), token).status_code == 200        # twice is harmless
    assert len(deliveries(service.uow, template="followed", address="stranger@example.org")) == 1


def test_asking_again_the_same_day_sends_no_second_confirmation(service):  # noqa: F811
    for _ in range(3):
        assert service.follow_api(request("POST", json=STRANGER)).status_code == 202
    assert len(deliveries(service.uow, template="confirm_follow")) == 1


@pytest.mark.parametrize("forge", [
    lambda token: token + "x",
    lambda token: "garbage",
    lambda token: URLSafeTimedSerializer("not-our-key", salt="city311.notifications.follow").dumps(
        ["26-0000123", "email", "attacker@example.org", "en"]),
    lambda token: URLSafeTimedSerializer("dev-only-notifications-secret", salt="city311.notifications.follow")
    .dumps(["26-0000123", "email"]),
], ids=["tampered", "garbage", "another key", "malformed"])
def test_a_forged_confirmation_link_subscribes_nobody(service, forge):  # noqa: F811
    service.follow_api(request("POST", json=STRANGER))
    forged = forge(confirmation_token(service))
    assert service.confirm_follow_page(request(), forged).status_code == 404
    assert service.confirm_follow(request("POST"), forged).status_code == 404
    assert followers(service) == []


def test_an_expired_confirmation_link_subscribes_nobody(service, monkeypatch):  # noqa: F811
    service.follow_api(request("POST", json=STRANGER))
    token = confirmation_token(service)
    monkeypatch.setattr("services.notifications.tokens.FOLLOW_CONFIRMATION_MAX_AGE_SECONDS", -1)
    assert service.confirm_follow(request("POST"), token).status_code == 404
    assert followers(service) == []


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"])
def test_the_follow_api_takes_json_only(service, content_type):  # noqa: F811
    """A plain web page can post a form or text across sites without asking; it cannot post JSON."""
    sent = request("POST", data="service_request_id=26-0000123&email=stranger%40example.org",
                   content_type=content_type)
    answer = service.follow_api(sent)
    assert answer.status_code == 415 and "application/json" in json.loads(body(answer))["error"]
    assert deliveries(service.uow, address="stranger@example.org") == []


def test_the_follow_form_needs_its_csrf_token_from_the_same_browser(service):  # noqa: F811
    browser = csrf_of(service.follow_page(request(path="/follow")))
    other = csrf_of(service.follow_page(request(path="/follow")))
    for sent in ({"data": STRANGER}, browser.sends(STRANGER, token="forged"), browser.sends(STRANGER,
                 token=other.token), browser.sends(STRANGER, visitor="another-browser")):
        refused = service.follow_form(request("POST", "/follow", **sent))
        assert refused.status_code == 403 and "Envíe el formulario de nuevo" in body(refused)
    assert deliveries(service.uow, address="stranger@example.org") == []
    assert service.follow_form(request("POST", "/follow", **browser.sends(STRANGER))).status_code == 200
    assert len(deliveries(service.uow, address="stranger@example.org")) == 1


def test_bodies_larger_than_a_form_needs_are_refused_with_413(service):  # noqa: F811
    huge = "x" * (MAX_FORM_BYTES + 1)
    api = service.follow_api(request("POST", json={**STRANGER, "note": huge}))
    assert api.status_code == 413 and f"{MAX_FORM_BYTES:,} bytes" in json.loads(body(api))["error"]
    text = service.inbound_sms(request("POST", json={"from": "+14045550134", "body": huge},
                                       headers={"X-Webhook-Key": "hook-key"}))
    assert text.status_code == 413
    with service.uow() as unit:
        from services.notifications.models import Survey
        survey_id = unit.session.query(Survey).one().survey_id
    survey = service.survey_answer(request("POST", data={"fixed": "no", "satisfaction": "2", "comment": huge}),
                                   service.settings.tokens.for_survey(survey_id))
    assert survey.status_code == 413 and "Too much text" in body(survey)
    form = service.follow_form(request("POST", "/follow", data={**STRANGER, "note": huge}))
    assert form.status_code == 413
