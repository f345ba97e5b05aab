"""Each permission of shared/roles.py, allowed and refused, on the console pages that need it (and on routing's
re-route, which routing refuses itself): a refusal is a 403 that says what the role may not do and who may."""
import json

import pytest
from werkzeug.wrappers import Request, Response

from services.intake.models import ServiceRequest
from shared import roles
from tests.support.http_stub import serving
from tests.unit.routing.conftest import sample  # noqa: F401 (fixture)
from tests.unit.routing.test_routing_triage_desk import (  # noqa: F401 (fixtures)
    answer, created, published, routing, routing_worker, staff_action, unit_of_work)
from tests.unit.web.harness import web_client

PASSWORDS = {"ana": "ana-demo-311!", "lee": "lee-supervisor-311!", "olu": "olu-operations-311!",
             "ada": "ada-admin-311!"}          # call-taker, supervisor, operations, administrator (sample staff)
NOWHERE = {"RABBITMQ_MANAGEMENT_URL": "http://127.0.0.1:9", "AMQP_URI": "amqp://guest:guest@127.0.0.1:9/",
           **{f"{s.upper()}_URL": "http://127.0.0.1:9" for s in ("intake", "routing", "workorders",
                                                                  "notifications", "metrics")}}


@pytest.fixture
def site(tmp_path):
    """A signed-in client per sample staff member, on one intake database; nothing else answers."""
    client, uow = web_client(tmp_path, **NOWHERE)
    clients = {name: client if name == "ana" else _same_site(client) for name in PASSWORDS}
    for name, signing_in in clients.items():
        signing_in.sign_in(name, PASSWORDS[name])
    return clients, uow


def _same_site(client):
    """Another browser on the same site (its own cookies)."""
    return type(client)(client.application)


def text(response):
    return response.get_data(as_text=True)


def refused(response, words):
    return response.status_code == 403 and words in text(response).replace("&#39;", "'")


def test_the_table_names_every_permission_the_issue_asks_for_and_refusals_say_who_may():
    assert set(roles.PERMISSIONS) == {"take_calls", "route_triaged", "reroute", "declare_incident", "edit_knowledge",
                                      "watch_operations", "handle_dead_letters", "administer_staff"}
    with pytest.raises(roles.PermissionDenied) as refusal:
        roles.require("call_taker", roles.REROUTE)
    assert str(refusal.value) == ("Your role (call-taker) may not re-route a request a department already has; "
                                  "a supervisor or administrator may.")
    with pytest.raises(KeyError):
        roles.allows("administrator", "launch_rockets")    # a permission the table does not know is a bug


@pytest.mark.parametrize("role, allowed", [("call_taker", False), ("supervisor", True), ("operations", False),
                                           ("administrator", True)])
def test_declaring_an_incident_is_for_supervisors_and_administrators(role, allowed):
    # No page declares incidents yet; the permission is in the table for the one that will.
    assert roles.allows(role, roles.DECLARE_INCIDENT) is allowed
    if not allowed:
        with pytest.raises(roles.PermissionDenied, match="may not declare an incident"):
            roles.require(role, roles.DECLARE_INCIDENT)


def test_taking_calls_is_refused_to_operations_which_lands_on_its_own_console(site):
    clients, _ = site
    assert clients["ana"].get("/console/lookup").status_code == 200
    assert refused(clients["olu"].get("/console/lookup"), "Your role (operations) may not answer calls")
    assert refused(clients["olu"].get("/console/file/POTHOLE"), "may not answer calls")
    home = clients["olu"].get("/console")
    assert home.status_code == 303 and home.headers["Location"].endswith("/console/operations")


def test_routing_a_triaged_request_is_refused_to_operations(site):
    clients, _ = site
    form = {"service_request_id": "26-0000001", "department": "PW-STREETS", "reason": "tree"}
    response = clients["olu"].form_post("/console/operations", "/console/route", form)
    assert refused(response, "Your role (operations) may not route a request waiting in triage")
    allowed = clients["ana"].form_post("/console/triage", "/console/route", form)
    assert allowed.status_code == 503 and "routing service is not answering" in text(allowed)   # past the check


def _file_and_route(client, uow):
    filed = client.form_post("/console/file/POTHOLE", "/console/file/POTHOLE", {
        "address_string": "55 Trinity Ave SW", "attribute[SIZE]": "small", "attribute[LANE]": "travel_lane",
        "channel": "phone", "action": "file_anyway"})
    assert filed.status_code == 303, text(filed)
    number = filed.headers["Location"].rsplit("/", 1)[1].split("?")[0]
    with uow() as u:    # what intake records when routing's RequestRouted arrives
        u.session.query(ServiceRequest).filter_by(service_request_id=number).one().agency_responsible = "Streets"
    return number


def test_re_routing_is_refused_to_a_call_taker_and_allowed_to_a_supervisor(site):
    clients, uow = site
    number = _file_and_route(clients["ana"], uow)
    form = {"service_request_id": number, "department": "WATERSHED", "reason": "it is a water main"}
    response = clients["ana"].form_post("/console/triage", "/console/route", form)
    assert refused(response, "Your role (call-taker) may not re-route a request a department already has; "
                             "a supervisor or administrator may.")
    assert f'value="{number}"' in text(response)           # the form is kept
    allowed = clients["lee"].form_post("/console/triage", "/console/route", form)
    assert allowed.status_code == 503 and "routing service is not answering" in text(allowed)


def test_routing_refuses_a_re_route_by_a_call_taker_itself(routing):  # noqa: F811
    routing.route_request(created("26-0000001"))                                   # routed by the rules
    routing.route_request(created("26-0000002", {"lat": 40.7, "long": -74.0}))     # outside the city: triage
    body = {"department": "WATERSHED", "reason": "city-owned pipe"}
    status, refusal = answer(routing.route_by_hand(staff_action(body, role="call_taker"), "26-0000001"))
    assert status == 403 and "may not re-route a request a department already has" in refusal["error"]
    assert answer(routing.route_by_hand(staff_action(body, role="operations"), "26-0000002"))[0] == 403
    assert answer(routing.route_by_hand(staff_action(body, role="call_taker"), "26-0000002"))[0] == 200
    assert answer(routing.route_by_hand(staff_action(body, role="supervisor"), "26-0000001"))[0] == 200
    assert [e["department"] for e in published(routing, "RequestRouted")][-2:] == ["WATERSHED", "WATERSHED"]


def test_routing_s_role_refusal_reaches_the_console_as_a_403_with_its_words(tmp_path):
    @Request.application
    def app(request):
        if request.path in ("/api/triage", "/api/follow-ups"):
            return Response(json.dumps({request.path.rsplit("/", 1)[1].replace("-", "_"): []}),
                            content_type="application/json")
        return Response(json.dumps({"error": "Your role (call-taker) may not re-route a request a department "
                                             "already has; a supervisor or administrator may."}), 403,
                        content_type="application/json")

    with serving(app) as url:
        client, _ = web_client(tmp_path, ROUTING_URL=url)
        client.sign_in()
        response = client.form_post("/console/triage", "/console/route", {
            "service_request_id": "26-0000009", "department": "WATERSHED", "reason": "pipe"})
    assert refused(response, "Routing refused: Your role (call-taker) may not re-route")


def test_editing_the_knowledge_base_is_refused_to_a_call_taker_and_allowed_to_a_supervisor(site):
    clients, _ = site
    article = {"id": "kb-zoo", "question": "When is the zoo open?", "answer": "9 to 5 every day."}
    assert refused(clients["ana"].get("/console/knowledge/new"), "may not add or change knowledge-base articles")
    assert refused(clients["ana"].get("/console/knowledge/kb-library-hours"), "a supervisor or administrator may")
    response = clients["ana"].form_post("/console/knowledge", "/console/knowledge/new", article)
    assert refused(response, "may not add or change knowledge-base articles")
    assert "When is the zoo open?" not in text(clients["ana"].get("/console/knowledge"))
    assert 'href="/console/knowledge/new"' not in text(clients["ana"].get("/console/knowledge"))
    saved = clients["lee"].form_post("/console/knowledge/new", "/console/knowledge/new", article)
    assert saved.status_code == 303 and "When is the zoo open?" in text(clients["ana"].get("/console/knowledge"))


def test_the_operations_console_is_refused_to_call_takers_and_supervisors(site):
    clients, _ = site
    for name in ("ana", "lee"):
        assert refused(clients[name].get("/console/operations"), "may not see the operations console")
    for name in ("olu", "ada"):
        page = clients[name].get("/console/operations")
        assert page.status_code == 200
        assert "Queue figures are not available: the RabbitMQ management API at http://127.0.0.1:9 is " \
               "unreachable" in text(page)
        assert "Dead letters cannot be read: the broker did not answer" in text(page)
    assert 'href="/console/operations"' in text(clients["olu"].get("/console/operations"))
    assert 'href="/console/operations"' not in text(clients["ana"].get("/console"))


def test_replaying_and_discarding_dead_letters_is_refused_to_call_takers_and_supervisors(site):
    clients, _ = site
    for name in ("ana", "lee"):
        for action in ("replay", "discard"):
            response = clients[name].form_post("/console/triage", f"/console/operations/dead-letters/routing/{action}",
                                               {"letter_id": "x", "reason": "test"})
            assert refused(response, "may not replay or discard dead letters"), (name, action)
    # operations passes the check; a discard without a reason is refused before the broker is asked
    response = clients["olu"].form_post("/console/operations", "/console/operations/dead-letters/routing/discard",
                                        {"letter_id": "x", "reason": " "})
    assert response.status_code == 400 and "Not discarded: say why it is discarded" in text(response)
    unknown = clients["olu"].form_post("/console/operations", "/console/operations/dead-letters/nosuch/replay", {})
    assert unknown.status_code == 404 and "There is no service nosuch." in text(unknown)
    no_token = clients["olu"].post("/console/operations/dead-letters/routing/replay", data={})
    assert no_token.status_code == 403 and "This form has expired or did not come from this site" in text(no_token)


def test_staff_administration_is_for_administrators_only(site):
    clients, _ = site
    for name in ("ana", "lee", "olu"):
        assert refused(clients[name].get("/console/staff"), "may not add staff accounts and change their roles; "
                                                            "an administrator may.")
    added = clients["ada"].form_post("/console/staff", "/console/staff", {
        "username": "kim", "display_name": "Kim Lee", "role": "operations", "password": "kim-operations-311!"})
    assert added.status_code == 303, text(added)
    kim = _same_site(clients["ada"])
    kim.sign_in("kim", "kim-operations-311!")
    assert kim.get("/console/operations").status_code == 200
    changed = clients["ada"].form_post("/console/staff", "/console/staff/kim", {"role": "call_taker", "active": "yes"})
    assert changed.status_code == 303
    assert refused(kim.get("/console/operations"), "Your role (call-taker) may not see the operations console")
    disabled = clients["ada"].form_post("/console/staff", "/console/staff/kim", {"role": "call_taker", "active": "no"})
    assert disabled.status_code == 303 and kim.get("/console/lookup").status_code == 303   # signed out
    bad = clients["ada"].form_post("/console/staff", "/console/staff", {
        "username": "max", "display_name": "Max", "role": "emperor", "password": "max-password-311!"})
    assert bad.status_code == 400 and "role must be one of call_taker, supervisor, operations, administrator" \
        in text(bad)
    own = clients["ada"].form_post("/console/staff", "/console/staff/ada", {"role": "call_taker", "active": "yes"})
    assert own.status_code == 400 and "cannot disable your own account or change your own role" in text(own)
