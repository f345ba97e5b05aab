"""A call-taker and a resident use intake's pages in a real browser; the bus shows what they caused."""
import io
import json
import os

import pytest
import requests
from PIL import Image

from shared.events import new_event
from tests.e2e.conftest import sign_in
from tests.support.bus import BusTap, publish_raw
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration   # a real broker, and chromium


def test_a_call_taker_answers_a_question_and_it_is_logged(intake, page):
    with BusTap(intake.amqp_uri) as tap:
        sign_in(page, intake)
        page.fill("#q", "libary hours")
        page.press("#q", "Enter")
        page.get_by_text("Showing results for").wait_for()
        assert page.locator(".answer h3").first.inner_text() == "What are the library hours?"
        page.locator("button[data-log=kb-library-hours]").click()
        logged = page.locator(".success strong").inner_text()
        assert logged.startswith("info-")
        event = wait_until(lambda: tap.of_type("InformationRequestLogged", logged), 60,
                           what="InformationRequestLogged on the bus")[0]
    assert event["data"]["article_id"] == "kb-library-hours"
    assert (event["data"]["channel"], event["data"]["call_taker"]) == ("phone", "ana")
    assert event["data"]["department"] == "LIBRARY"


def test_a_call_taker_files_a_request_for_a_caller(intake, page):
    with BusTap(intake.amqp_uri) as tap:
        sign_in(page, intake)
        page.fill("#sq", "dead deer in the road")
        page.press("#sq", "Enter")
        page.get_by_role("link", name="Dead animal").click()
        page.get_by_label("Large (deer)").check()
        page.locator("input[name='attribute[IN_ROADWAY]'][value=yes]").check()
        page.fill("#address", "326 Spring St NW")
        page.fill("#first_name", "Carmen")
        page.get_by_label("By text message").check()
        page.fill("#phone", "(404) 555-0199")
        page.press("#phone", "Enter")
        page.wait_for_url("**/console/requests/*?filed=1")
        number = page.locator(".tracking-number").inner_text()
        created = wait_until(lambda: tap.of_type("RequestCreated", number), 60, what="RequestCreated")[0]
        contact = wait_until(lambda: tap.of_type("ReporterContactRecorded", number), 60, what="contact")[0]
    assert (created["data"]["channel"], created["data"]["call_taker"]) == ("phone", "ana")
    assert created["data"]["attributes"] == {"ANIMAL": "large", "IN_ROADWAY": "yes"}
    assert created["data"]["lat"] == 33.78256
    assert "555" not in str(created["data"])                      # personal data only in the contact event
    assert (contact["data"]["phone"], contact["data"]["notify_by"]) == ("+14045550199", "sms")


def test_a_caller_is_attached_to_an_open_request_nearby(intake, page):
    existing = requests.post(intake.url("/open311/v2/requests.json"), timeout=10, data={
        "api_key": "dev-web-key", "service_code": "STREETLIGHT_OUT", "lat": "33.769104", "long": "-84.380289"})
    number = existing.json()[0]["service_request_id"]
    with BusTap(intake.amqp_uri) as tap:
        sign_in(page, intake)
        page.goto(intake.url("/console/file/STREETLIGHT_OUT"))
        page.fill("#address", "166 Piedmont Ave NE")
        page.get_by_role("button", name="Check for open reports nearby").click()
        page.fill("#email", "neighbour@example.org")
        page.get_by_role("button", name=f"Attach caller to {number}").click()
        page.wait_for_url(f"**/console/requests/{number}?attached=1")
        assert "neighbour@example.org" in page.locator(".facts").inner_text()
        recorded = wait_until(lambda: tap.of_type("ReporterContactRecorded", number), 60,
                              what="ReporterContactRecorded for the existing request")[0]
    assert recorded["data"]["email"] == "neighbour@example.org"
    assert [e for e in tap.of_type("RequestCreated") if e["correlation_id"] != number] == []   # no duplicate


def photo():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "gray").save(out, "JPEG")
    return out.getvalue()


def test_a_resident_reports_with_a_photo_in_spanish_and_tracks_it_to_closure(intake, page):
    page.set_viewport_size({"width": 390, "height": 844})          # a phone
    page.goto(intake.url("/"))
    page.get_by_role("link", name="Español").click()
    page.get_by_role("link", name="Reportar un problema").first.click()
    page.get_by_role("link", name="Bache").click()             # the catalog's Spanish (services.yaml)
    page.get_by_label("Más grande que un plato llano").check()
    page.locator("svg.district-map").click(position={"x": 170, "y": 150})
    assert page.input_value("#lat") and page.input_value("#long")
    page.set_input_files("#photo", files=[{"name": "bache.jpg", "mimeType": "image/jpeg", "buffer": photo()}])
    page.fill("#email", "resident@example.org")
    page.get_by_label("Por correo electrónico").check()
    page.get_by_role("button", name="Enviar reporte").click()
    page.wait_for_url("**/track/*?new=1")
    number = page.locator(".tracking-number").inner_text()
    assert page.locator("img.photo").evaluate("img => img.naturalWidth") == 64
    assert "resident@example.org" not in page.content()

    closed = new_event("WorkOrderClosed", {
        "service_request_id": number, "work_order_system": "streets", "legacy_id": "WO-1", "update_id": "wo-1:9",
        "status": "closed", "legacy_status": "COMPLETE", "note": None,
        "changed_at": "2026-11-23T14:05:00+00:00", "resolution": "Pothole filled", "resolution_code": "FILLED"},
        number, "workorders")
    wait_until(lambda: publish_raw(intake.amqp_uri, "workorders", "WorkOrderClosed", closed) or True, 60, 1,
               "the broker to take WorkOrderClosed")

    def shows_closed():
        page.goto(intake.url("/track"))
        page.fill("#id", number)
        page.press("#id", "Enter")
        return "Cerrada" in page.locator(".status").inner_text()
    wait_until(shows_closed, 60, 0.5, "the track page to show the closure")
    assert "Cerrada: Pothole filled" in page.locator(".timeline").inner_text()   # the department's words as given
    assert page.get_by_role("link", name="encuesta").get_attribute("href").endswith(f"/survey?request={number}")


def test_the_triage_page_degrades_when_routing_is_away(intake, page):
    sign_in(page, intake)
    assert page.get_by_role("link", name="Triage").get_attribute("accesskey") == "t"
    page.get_by_role("link", name="Triage").press("Enter")             # keyboard only
    page.wait_for_url("**/console/triage")
    assert "routing service is not answering" in page.locator("[role=alert]").first.inner_text()


def test_a_not_fixed_answer_is_followed_up_from_the_triage_page(intake, page):
    """Routing (a stand-in on the port intake calls) lists a closed request whose reporter said "not fixed"."""
    from werkzeug.wrappers import Request, Response

    from shared.internal_api import ServiceTokens, service_secret
    from tests.support.http_stub import serving
    waiting = {"service_request_id": "26-0000042", "service_code": "POTHOLE", "service_name": "Pothole",
               "department": "PW-STREETS", "address": "55 Trinity Ave SW", "lat": 33.7489, "long": -84.3902,
               "district": "D2", "open": False, "answered_at": "2026-11-25T10:00:00+00:00",
               "comment": "The hole is back"}
    asked = []

    @Request.application
    def routing(request):
        if request.path == "/api/triage":
            return Response('{"triage": []}', content_type="application/json")
        if request.path == "/api/follow-ups":
            return Response(json.dumps({"follow_ups": [] if asked else [waiting]}), content_type="application/json")
        # routing reads who acts from the console's service token (raises, so the page fails, without one)
        caller = ServiceTokens(service_secret(os.environ.get("CITY311_SERVICE_SECRET")), "routing").caller(request)
        asked.append((request.path, request.get_json(), caller.staff))
        return Response('{"service_request_id": "26-0000042", "followed_up_by": "ana"}',
                        content_type="application/json")

    with serving(routing, intake.routing_port):
        sign_in(page, intake)
        page.goto(intake.url("/console/triage"))
        row = page.locator("#follow-ups tbody tr")
        assert "The hole is back" in row.inner_text() and "PW-STREETS" in row.inner_text()
        row.get_by_role("link", name="File a follow-up request").click()
        page.wait_for_url("**/console/file/POTHOLE?**")
        assert page.input_value("#address") == "55 Trinity Ave SW"
        assert page.input_value("#description").startswith("Follow-up of 26-0000042: the resident says")
        page.go_back()
        page.get_by_label("What was done").fill("Filed 26-0000050; crew told")
        page.get_by_label("What was done").press("Enter")
        page.wait_for_url("**/console/triage?followed_up=26-0000042")
        assert "Follow-up of 26-0000042 recorded." in page.locator("[role=status]").inner_text()
        assert 'No "not fixed" answer waits.' in page.content()
    assert asked == [("/api/requests/26-0000042/followed-up", {"reason": "Filed 26-0000050; crew told"}, "ana")]
