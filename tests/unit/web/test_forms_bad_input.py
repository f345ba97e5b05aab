"""Every form's bad input: a clear message beside the field, and the form comes back with what was typed."""
import io
import json
import re

import pytest
from sqlalchemy import select

from services.intake.models import ServiceRequest
from services.intake.web.models import RequestFollower
from shared.internal_api import NotAuthenticated, ServiceTokens, service_secret
from tests.support.http_stub import serving
from tests.unit.web.conftest import outbox_events
from tests.unit.web.harness import web_client

POTHOLE = {"attribute[SIZE]": "large", "address_string": "47 Peachtree St SE",
           "description": "Deep hole by the bus stop, please hurry"}


@pytest.fixture
def web(tmp_path):
    return web_client(tmp_path)


def text(response):
    return response.get_data(as_text=True)


def requests_stored(uow):
    with uow() as u:
        return u.session.execute(select(ServiceRequest)).scalars().all()


# -- the resident report form --------------------------------------------------------------
@pytest.mark.parametrize("change, message", [
    ({"attribute[SIZE]": ""}, "Please answer this question."),
    ({"address_string": "", "lat": "", "long": ""}, "Tell us where"),
    ({"email": "not-an-address"}, "This is not an email address"),
    ({"phone": "12"}, "This is not a phone number"),
    ({"notify_by": "email"}, "To hear by email, give your email address."),
    ({"lat": "95", "long": "-84.38"}, "Coordinates must be a latitude"),
    ({"attribute[DEPTH_CM]": "deep"}, "Please enter a number"),
])
def test_a_bad_report_comes_back_with_a_message_and_what_was_typed(web, change, message):
    client, uow = web
    response = client.form_post("/report/POTHOLE", "/report/POTHOLE", {**POTHOLE, **change})
    assert response.status_code == 400
    assert message in text(response)
    assert "Deep hole by the bus stop, please hurry" in text(response)
    assert requests_stored(uow) == []


def test_a_bad_report_keeps_the_answers_and_contact_details(web):
    client, _ = web
    response = client.form_post("/report/SIDEWALK_DAMAGE", "/report/SIDEWALK_DAMAGE", {
        "attribute[DAMAGE_TYPE]": ["cracked", "lifted"], "email": "ana@example.org", "first_name": "Ana"})
    page = text(response)
    assert response.status_code == 400
    assert 'value="cracked" checked' in page and 'value="lifted" checked' in page
    assert 'value="ana@example.org"' in page and 'value="Ana"' in page
    assert "Please check what is marked below" in page


def test_spanish_messages_for_spanish_visitors(web):
    client, _ = web
    client.get("/language/es")
    response = client.form_post("/report/POTHOLE", "/report/POTHOLE", {**POTHOLE, "attribute[SIZE]": ""})
    assert "Por favor, responda esta pregunta." in text(response)


def test_a_known_address_gets_its_coordinates_and_the_report_is_filed(web):
    client, uow = web
    response = client.form_post("/report/POTHOLE", "/report/POTHOLE", {**POTHOLE, "email": "ana@example.org",
                                                                       "notify_by": "email"})
    assert response.status_code == 303 and "/track/" in response.headers["Location"]
    [record] = requests_stored(uow)
    assert (record.lat, record.long, record.channel) == (33.750066, -84.386745, "web")


def test_a_file_that_is_not_a_photo_is_refused_and_the_form_kept(web):
    client, uow = web
    response = client.form_post("/report/POTHOLE", "/report/POTHOLE", {
        **POTHOLE, "photo": (io.BytesIO(b"#!/bin/sh\necho hi\n"), "pothole.jpg", "image/jpeg")},
        content_type="multipart/form-data")
    assert response.status_code == 400
    assert "This file is not a photo we can take" in text(response)
    assert "Deep hole by the bus stop" in text(response)
    assert requests_stored(uow) == []


def test_a_photo_too_large_is_refused(tmp_path):
    client, _ = web_client(tmp_path, MAX_UPLOAD_BYTES=1000)
    response = client.form_post("/report/POTHOLE", "/report/POTHOLE", {
        **POTHOLE, "photo": (io.BytesIO(b"\xff\xd8\xff" + b"0" * 5000), "big.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 400 and "The photo is larger than" in text(response)


def test_tracking_bad_and_unknown_numbers(web):
    client, _ = web
    response = client.get("/track?id=hello")
    assert response.status_code == 400 and "26-0000123" in text(response) and 'value="hello"' in text(response)
    assert client.get("/track/26-9999999").status_code == 404


def test_a_form_without_its_csrf_token_is_refused(web):
    client, uow = web
    response = client.post("/report/POTHOLE", data=POTHOLE)
    assert response.status_code == 403 and "expired" in text(response)
    assert requests_stored(uow) == []


# -- the console ----------------------------------------------------------------------------
def test_a_wrong_password_keeps_the_username(web):
    client, _ = web
    response = client.form_post("/console/signin", "/console/signin", {"username": "ana", "password": "nope"})
    assert response.status_code == 401
    assert "Wrong username or password" in text(response) and 'value="ana"' in text(response)


def test_logging_an_answer_needs_a_topic_and_a_channel(web):
    client, _ = web
    client.sign_in()
    response = client.form_post("/console", "/console/answers", {"topic": "", "channel": "phone"})
    assert response.status_code == 400 and "Say what the caller asked" in text(response)
    response = client.form_post("/console", "/console/answers", {"topic": "Dog licence", "channel": "fax"})
    assert response.status_code == 400 and 'value="Dog licence"' in text(response)


def test_filing_for_a_caller_with_bad_input(web):
    client, uow = web
    client.sign_in()
    response = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE", {
        "channel": "phone", "address_string": "47 Peachtree St SE", "phone": "555", "description": "By the bank"})
    page = text(response)
    assert response.status_code == 400
    assert "Please answer this question." in page and "This is not a phone number" in page
    assert "By the bank" in page and 'value="47 Peachtree St SE"' in page
    assert requests_stored(uow) == []


def test_attaching_needs_contact_details_and_an_open_request(web):
    client, uow = web
    client.sign_in()
    filed = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE", {**POTHOLE, "channel": "phone"})
    number = filed.headers["Location"].rsplit("/", 1)[1].split("?")[0]
    response = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE", {
        **POTHOLE, "channel": "phone", "attach": number, "first_name": "Bo"})
    assert response.status_code == 400 and "needs an email address or a phone number" in text(response)
    assert 'value="Bo"' in text(response)
    response = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE", {
        **POTHOLE, "channel": "phone", "attach": "26-9999999", "email": "bo@example.org"})
    assert response.status_code == 400 and "There is no request with that number" in text(response)
    with uow() as u:
        assert u.session.execute(select(RequestFollower)).scalars().all() == []


def test_a_duplicate_is_offered_before_filing_and_attaching_records_a_follower(web):
    client, uow = web
    client.sign_in()
    first = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE", {**POTHOLE, "channel": "phone"})
    number = first.headers["Location"].rsplit("/", 1)[1].split("?")[0]
    offered = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE", {**POTHOLE, "channel": "phone"})
    assert offered.status_code == 200 and f"Attach caller to {number}" in text(offered)
    attached = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE", {
        **POTHOLE, "channel": "phone", "attach": number, "email": "Bo@Example.org"})
    assert attached.status_code == 303 and attached.headers["Location"].endswith(f"/console/requests/{number}?attached=1")
    assert len(requests_stored(uow)) == 1
    recorded = [e for e in outbox_events(uow) if e["event_type"] == "ReporterContactRecorded"]
    assert recorded[-1]["data"]["service_request_id"] == number
    assert recorded[-1]["data"]["email"] == "Bo@example.org" and recorded[-1]["data"]["notify_by"] == "email"
    anyway = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE",
                              {**POTHOLE, "channel": "walk_in", "action": "file_anyway"})
    assert anyway.status_code == 303 and len(requests_stored(uow)) == 2


def test_lookup_of_something_unreadable(web):
    client, _ = web
    client.sign_in()
    response = client.get("/console/lookup?q=banana")
    assert response.status_code == 400 and "Enter a tracking number" in text(response)
    assert 'value="banana"' in text(response)


def test_routing_by_hand_with_bad_input_and_with_routing_away(web):
    client, _ = web
    client.sign_in()
    response = client.form_post("/console/triage", "/console/route",
                                {"service_request_id": "abc", "department": "", "reason": "it is a tree"})
    page = text(response)
    assert response.status_code == 400
    assert "Enter the tracking number" in page and "Choose the department." in page
    assert 'value="it is a tree"' in page
    response = client.form_post("/console/triage", "/console/route",
                                {"service_request_id": "26-0000001", "department": "PW-STREETS", "reason": "tree"})
    assert response.status_code == 503 and "routing service is not answering" in text(response)
    assert 'value="26-0000001"' in text(response)


ROUTING_TOKENS = ServiceTokens(service_secret(), "routing")   # how routing reads the console's tokens


def unauthenticated(request):
    """Routing's 401 for a call without a good service token, else None."""
    from werkzeug.wrappers import Response
    try:
        ROUTING_TOKENS.caller(request)
    except NotAuthenticated as refused:
        return Response(json.dumps({"error": str(refused)}), 401, content_type="application/json")
    return None


@pytest.fixture
def refusing_routing():
    """A real HTTP server answering routing's API the way routing refuses: 409 closed, 404 unknown."""
    from werkzeug.wrappers import Request, Response

    @Request.application
    def app(request):
        if refused := unauthenticated(request):
            return refused
        if request.path == "/api/triage":
            return Response('{"triage": []}', content_type="application/json")
        if request.path == "/api/follow-ups":
            return Response('{"follow_ups": []}', content_type="application/json")
        if request.path == "/api/requests/26-0000009/route":
            return Response('{"error": "request 26-0000009 is closed"}', 409, content_type="application/json")
        return Response('{"error": "no request 26-0000404"}', 404, content_type="application/json")

    with serving(app) as url:
        yield url


def test_routing_refusals_say_why_and_keep_the_form(tmp_path, refusing_routing):
    client, _ = web_client(tmp_path, ROUTING_URL=refusing_routing)
    client.sign_in()
    for number, status, why in (("26-0000009", 409, "request 26-0000009 is closed"),
                                ("26-0000404", 400, "no request 26-0000404")):
        response = client.form_post("/console/triage", "/console/route",
                                    {"service_request_id": number, "department": "PW-STREETS", "reason": "tree"})
        page = text(response)
        assert response.status_code == status
        assert f"Routing refused: {why}" in page and "not answering" not in page
        assert f'value="{number}"' in page


def test_a_service_secret_routing_does_not_share_is_logged_and_nothing_is_routed(tmp_path, refusing_routing, caplog):
    client, _ = web_client(tmp_path, ROUTING_URL=refusing_routing, SERVICE_SECRET="not-the-one-routing-has")
    client.sign_in()
    assert "routing service is not answering" in text(client.get("/console/triage"))
    response = client.form_post("/console/triage", "/console/route",
                                {"service_request_id": "26-0000009", "department": "PW-STREETS", "reason": "tree"})
    assert response.status_code == 503 and "Routing refused" not in text(response)
    assert "routing refused intake's service token" in caplog.text


def test_the_triage_page_says_when_routing_is_away(web):
    client, _ = web
    client.sign_in()
    response = client.get("/console/triage")
    assert response.status_code == 200 and "routing service is not answering" in text(response)


def test_a_bad_article_keeps_what_was_typed(web):
    client, _ = web
    client.sign_in("lee", "lee-supervisor-311!")   # editing the knowledge base is a supervisor's
    response = client.form_post("/console/knowledge/new", "/console/knowledge/new", {
        "id": "kb-zoo", "question": "Zoo hours?", "answer": "", "valid_from": "next week"})
    page = text(response)
    assert response.status_code == 400
    assert "a date as YYYY-MM-DD" in page and 'value="next week"' in page and 'value="Zoo hours?"' in page
    response = client.form_post("/console/knowledge/new", "/console/knowledge/new", {
        "id": "kb-library-hours", "question": "Zoo hours?", "answer": "9-5"})
    assert response.status_code == 400 and "already used by another article" in text(response)


def test_a_body_too_large_to_read_gets_a_clear_page_not_a_crash(web):
    client, _ = web
    token_page = client.get("/report/POTHOLE")
    assert token_page.status_code == 200
    response = client.post("/report/POTHOLE", data={"description": "x" * 13_000_000})
    assert response.status_code == 413 and "too large" in text(response)


@pytest.fixture
def routing_api():
    """A real HTTP server playing routing's not-duplicate API: it remembers what it was asked."""
    from werkzeug.wrappers import Request, Response
    asked = []

    @Request.application
    def app(request):
        if refused := unauthenticated(request):
            return refused
        number = request.path.split("/")[3]
        caller = ROUTING_TOKENS.caller(request)
        asked.append((request.path, request.get_json(silent=True), (caller.service, caller.staff, caller.role)))
        if number.endswith("-0000001"):  # the first request filed (its year prefix is the year of the run)
            return Response(f'{{"error": "request {number} is not marked as a duplicate"}}', 409,
                            content_type="application/json")
        return Response(f'{{"service_request_id": "{number}", "outcome": "routed"}}', content_type="application/json")

    with serving(app) as url:
        yield url, asked


def _stored(u, number):
    return u.session.execute(select(ServiceRequest).filter_by(service_request_id=number)).scalar_one()


def _file_two_and_mark_the_second_a_duplicate(client, uow):
    numbers = []
    for _ in range(2):
        filed = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE",
                                 {**POTHOLE, "channel": "phone", "action": "file_anyway"})
        assert filed.status_code == 303, text(filed)
        numbers.append(filed.headers["Location"].rsplit("/", 1)[1].split("?")[0])
    with uow() as u:  # what intake does when routing's RequestDuplicateDetected arrives
        _stored(u, numbers[1]).parent_request_id = numbers[0]
    return numbers


def test_a_call_taker_unmarks_a_false_duplicate(tmp_path, routing_api):
    url, asked = routing_api
    client, uow = web_client(tmp_path, ROUTING_URL=url)
    client.sign_in()
    first, second = _file_two_and_mark_the_second_a_duplicate(client, uow)
    page = text(client.get(f"/console/requests/{second}"))
    assert f"Marked as a duplicate of" in page and f'href="/console/requests/{first}"' in page
    assert "Not a duplicate" not in text(client.get(f"/console/requests/{first}"))  # only on the duplicate

    empty = client.form_post(f"/console/requests/{second}", f"/console/requests/{second}/not-duplicate",
                             {"reason": "  "})
    assert empty.status_code == 400 and "Say why it is not the same problem" in text(empty) and asked == []

    done = client.form_post(f"/console/requests/{second}", f"/console/requests/{second}/not-duplicate",
                            {"reason": "other side of the street"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/console/requests/{second}?unmarked=1")
    # who acts travels in the service token, from ana's console session, not in the body
    assert asked == [(f"/api/requests/{second}/not-duplicate", {"reason": "other side of the street"},
                      ("intake", "ana", "call_taker"))]
    assert "no longer a duplicate" in text(client.get(done.headers["Location"]))


def test_unmarking_says_why_routing_refused_or_that_it_is_away(tmp_path, routing_api):
    url, _ = routing_api
    client, uow = web_client(tmp_path, ROUTING_URL=url)
    client.sign_in()
    first, second = _file_two_and_mark_the_second_a_duplicate(client, uow)
    with uow() as u:  # the page still offers it (say, routing un-marked it a moment ago)
        _stored(u, first).parent_request_id = second
    refused = client.form_post(f"/console/requests/{first}", f"/console/requests/{first}/not-duplicate",
                               {"reason": "different hole"})
    assert refused.status_code == 409
    assert f"Routing refused: request {first} is not marked as a duplicate" in text(refused)
    assert 'value="different hole"' in text(refused)

    away, uow_away = web_client(tmp_path / "away")  # routing at a port where nothing answers
    away.sign_in()
    _, dup = _file_two_and_mark_the_second_a_duplicate(away, uow_away)
    response = away.form_post(f"/console/requests/{dup}", f"/console/requests/{dup}/not-duplicate",
                              {"reason": "different hole"})
    assert response.status_code == 503 and "routing service is not answering" in text(response)
    assert 'value="different hole"' in text(response)


NOT_FIXED = {"service_request_id": "26-0000007", "service_code": "POTHOLE", "service_name": "Pothole",
             "department": "PW-STREETS", "address": "55 Trinity Ave SW", "lat": 33.7489, "long": -84.3902,
             "district": "D2", "open": False, "answered_at": "2026-11-25T10:00:00+00:00",
             "comment": "Still a hole <b>deeper</b>"}


@pytest.fixture
def follow_up_routing():
    """A real HTTP server playing routing's follow-up list and its followed-up action; 26-0000008 was done already."""
    from werkzeug.wrappers import Request, Response
    asked = []

    @Request.application
    def app(request):
        if refused := unauthenticated(request):
            return refused
        if request.path == "/api/triage":
            return Response('{"triage": []}', content_type="application/json")
        if request.path == "/api/follow-ups":
            return Response(json.dumps({"follow_ups": [NOT_FIXED]}), content_type="application/json")
        asked.append((request.path, request.get_json(silent=True), ROUTING_TOKENS.caller(request).staff))
        number = request.path.split("/")[3]
        if number == "26-0000008":
            return Response('{"error": "no \\"not fixed\\" answer for request 26-0000008 waits for a follow-up"}',
                            409, content_type="application/json")
        return Response(json.dumps({"service_request_id": number, "followed_up_by": "ana"}),
                        content_type="application/json")

    with serving(app) as url:
        yield url, asked


def test_a_not_fixed_answer_is_shown_with_a_follow_up_request_ready_to_file(tmp_path, follow_up_routing):
    url, asked = follow_up_routing
    client, _ = web_client(tmp_path, ROUTING_URL=url)
    client.sign_in()
    page = text(client.get("/console/triage"))
    assert "Residents say it was not fixed" in page and 'href="/console/requests/26-0000007"' in page
    assert "Still a hole &lt;b&gt;deeper&lt;/b&gt;" in page and "<b>deeper" not in page
    link = re.search(r'href="(/console/file/POTHOLE\?[^"]+)"', page).group(1).replace("&amp;", "&")
    form = text(client.get(link))
    assert 'value="55 Trinity Ave SW"' in form and 'value="33.7489"' in form
    assert "Follow-up of 26-0000007: the resident says it was not fixed." in form
    assert "deeper" not in form          # the survey comment stays out of a description the public sees
    assert asked == []


def test_following_up_needs_a_note_and_says_why_routing_refused(tmp_path, follow_up_routing):
    url, asked = follow_up_routing
    client, _ = web_client(tmp_path, ROUTING_URL=url)
    client.sign_in()
    empty = client.form_post("/console/triage", "/console/follow-ups/26-0000007", {"note": " "})
    assert empty.status_code == 400 and "Say what was done" in text(empty) and asked == []
    too_long = client.form_post("/console/triage", "/console/follow-ups/26-0000007", {"note": "x" * 301})
    assert too_long.status_code == 400 and "At most 300 characters." in text(too_long) and asked == []

    done = client.form_post("/console/triage", "/console/follow-ups/26-0000007", {"note": "filed 26-0000012"})
    assert done.status_code == 303 and done.headers["Location"].endswith("/console/triage?followed_up=26-0000007")
    assert asked == [("/api/requests/26-0000007/followed-up", {"reason": "filed 26-0000012"}, "ana")]
    assert "Follow-up of 26-0000007 recorded." in text(client.get(done.headers["Location"]))

    refused = client.form_post("/console/triage", "/console/follow-ups/26-0000008", {"note": "called the crew"})
    assert refused.status_code == 409 and "Routing refused: no &#34;not fixed&#34; answer" in text(refused)

    away, _ = web_client(tmp_path / "away")  # routing at a port where nothing answers
    away.sign_in()
    response = away.form_post("/console/triage", "/console/follow-ups/26-0000007", {"note": "called the crew"})
    assert response.status_code == 503 and "routing service is not answering" in text(response)
