"""The console's "Reopen" form on the staff request page: shown for closed requests to staff who may route, the
reason required, routing asked with the signed-in staff member in the service token, its refusals said."""
import pytest
from sqlalchemy import select

from services.intake.models import ServiceRequest
from tests.support.http_stub import serving
from tests.unit.web.harness import web_client
from tests.unit.web.test_forms_bad_input import POTHOLE, ROUTING_TOKENS, text, unauthenticated


@pytest.fixture
def routing_api():
    """A real HTTP server playing routing's reopen API: it remembers what it was asked; 26-…-0000002 is open."""
    from werkzeug.wrappers import Request, Response
    asked = []

    @Request.application
    def app(request):
        if refused := unauthenticated(request):
            return refused
        number = request.path.split("/")[3]
        caller = ROUTING_TOKENS.caller(request)
        asked.append((request.path, request.get_json(silent=True), (caller.service, caller.staff, caller.role)))
        if number.endswith("-0000002"):
            return Response(f'{{"error": "request {number} is not closed"}}', 409, content_type="application/json")
        return Response(f'{{"service_request_id": "{number}", "open": true}}', content_type="application/json")

    with serving(app) as url:
        yield url, asked


def file_closed(client, uow, status="closed"):
    filed = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE",
                             {**POTHOLE, "channel": "phone", "action": "file_anyway"})
    assert filed.status_code == 303, text(filed)
    number = filed.headers["Location"].rsplit("/", 1)[1].split("?")[0]
    with uow() as u:  # what intake records when the work order closed
        row = u.session.execute(select(ServiceRequest).filter_by(service_request_id=number)).scalar_one()
        row.status, row.agency_responsible = status, "Public Works – Streets"
    return number


def test_a_call_taker_reopens_a_closed_request_with_a_reason(tmp_path, routing_api):
    url, asked = routing_api
    client, uow = web_client(tmp_path, ROUTING_URL=url)
    client.sign_in()
    number = file_closed(client, uow)
    assert "Reopen the request" in text(client.get(f"/console/requests/{number}"))

    empty = client.form_post(f"/console/requests/{number}", f"/console/requests/{number}/reopen",
                             {"reopen_reason": " "})
    assert empty.status_code == 400 and "Say why it is reopened" in text(empty) and asked == []

    done = client.form_post(f"/console/requests/{number}", f"/console/requests/{number}/reopen",
                            {"reopen_reason": "resident called: still a hole"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/console/requests/{number}?reopened=1")
    assert asked == [(f"/api/requests/{number}/reopen", {"reason": "resident called: still a hole"},
                      ("intake", "ana", "call_taker"))]
    assert "the request is reopened" in text(client.get(done.headers["Location"]))


def test_the_form_is_only_for_closed_requests_and_routings_refusal_is_said(tmp_path, routing_api):
    url, _ = routing_api
    client, uow = web_client(tmp_path, ROUTING_URL=url)
    client.sign_in()
    file_closed(client, uow)
    open_one = file_closed(client, uow, status="open")
    assert "Reopen the request" not in text(client.get(f"/console/requests/{open_one}"))
    refused = client.form_post(f"/console/requests/{open_one}", f"/console/requests/{open_one}/reopen",
                               {"reopen_reason": "still there"})
    assert refused.status_code == 409 and f"Routing refused: request {open_one} is not closed" in text(refused)
    assert "Reopen the request" not in text(refused)     # open: nothing to reopen, so no form


def test_staff_who_may_not_route_neither_see_nor_use_it(tmp_path, routing_api):
    url, asked = routing_api
    client, uow = web_client(tmp_path, ROUTING_URL=url)
    client.sign_in()
    number = file_closed(client, uow)
    olu = type(client)(client.application)              # another browser on the same site: operations staff
    olu.sign_in("olu", "olu-operations-311!")
    assert olu.get(f"/console/requests/{number}").status_code == 403
    refused = olu.post(f"/console/requests/{number}/reopen", data={"reopen_reason": "x"})
    assert refused.status_code == 403 and asked == []
