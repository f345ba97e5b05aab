"""Who may use routing's staff API: only a service with a good, fresh token meant for routing; the acting
staff member comes from the token, never the body; JSON only, and no body larger than the API reads."""
import json
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from shared import internal_api
from shared.internal_api import MAX_JSON_BYTES, ServiceTokens, service_secret
from tests.unit.routing.test_routing_triage_desk import (  # noqa: F401 (fixtures)
    answer, created, published, reading, routing, routing_worker, staff_action, survey, unit_of_work)
from tests.unit.services.conftest import event

REROUTE = {"department": "WATERSHED", "reason": "city-owned pipe", "priority": "emergency"}


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def forged_tokens():
    """Tokens routing must refuse: none, a wrong scheme, a wrong key, and one meant for another service."""
    other_key = ServiceTokens("not-the-city-secret", "intake")
    meant_for_metrics = ServiceTokens(service_secret(), "intake")
    return {"no token": {}, "basic auth": {"Authorization": "Basic bGVlOmxlZQ=="},
            "garbage": bearer("garbage"), "another key": other_key.headers("routing", "lee", "supervisor"),
            "meant for metrics": meant_for_metrics.headers("metrics", "lee", "supervisor")}


@pytest.fixture
def closed_not_fixed(routing):  # noqa: F811
    """A closed request whose reporter answered "not fixed" with a comment that names them."""
    routing.route_request(created("26-0000001"))
    routing.on_work_order_closed(event("WorkOrderClosed", correlation_id="26-0000001",
                                       service_request_id="26-0000001"))
    routing.on_survey_responded(survey("26-0000001", fixed=False, comment="Call me, Ana, 404-555-0134"))
    return routing


@pytest.mark.parametrize("headers", forged_tokens().values(), ids=forged_tokens().keys())
def test_staff_actions_without_a_good_service_token_are_refused_and_change_nothing(routing, headers):  # noqa: F811
    routing.route_request(created("26-0000001"))
    refused = [routing.route_by_hand(staff_action(REROUTE, headers=headers), "26-0000001"),
               routing.not_a_duplicate(staff_action({"reason": "r"}, headers=headers), "26-0000001"),
               routing.followed_up(staff_action({"reason": "r"}, headers=headers), "26-0000001")]
    assert [answer(r)[0] for r in refused] == [401, 401, 401]
    assert "service token" in answer(refused[0])[1]["error"]
    assert len(published(routing, "RequestRouted")) == 1


@pytest.mark.parametrize("headers", forged_tokens().values(), ids=forged_tokens().keys())
def test_the_residents_comment_is_shown_only_with_a_service_token(closed_not_fixed, headers):
    for response in (closed_not_fixed.get_follow_ups(reading(headers)),
                     closed_not_fixed.get_decision(reading(headers), "26-0000001"),
                     closed_not_fixed.get_triage(reading(headers))):
        status, body = answer(response)
        assert status == 401 and "Ana" not in json.dumps(body)
    assert answer(closed_not_fixed.get_follow_ups(reading()))[1]["follow_ups"][0]["comment"].startswith("Call me")


def test_an_expired_token_is_refused(unit_of_work, sample):  # noqa: F811
    strict = routing_worker(unit_of_work("routing"), sample, max_age_seconds=-1)  # every token is already too old
    strict.route_request(created("26-0000001"))
    assert answer(strict.route_by_hand(staff_action(REROUTE), "26-0000001"))[0] == 401
    assert answer(strict.get_decision(reading(), "26-0000001"))[0] == 401


def test_the_acting_staff_member_comes_from_the_token_and_a_staff_field_in_the_body_is_refused(routing):  # noqa: F811
    routing.route_request(created("26-0000001"))
    named = routing.route_by_hand(staff_action({**REROUTE, "staff": "lee"}, staff="ana"), "26-0000001")
    assert answer(named) == (400, {"error": "the acting staff member comes from the service token, "
                                            "not from the body: remove 'staff'"})
    assert answer(routing.route_by_hand(staff_action(REROUTE, staff="ana", role="supervisor"), "26-0000001"))[0] == 200
    rerouted = published(routing, "RequestRouted")[-1]
    assert rerouted["routed_by"] == "ana" and "Routed by hand by ana" in rerouted["explanation"]


def test_a_token_acting_for_no_staff_member_may_read_but_not_act(routing):  # noqa: F811
    routing.route_request(created("26-0000001"))
    service_only = ServiceTokens(service_secret(), "chaos-probe").headers("routing")
    assert answer(routing.get_decision(reading(service_only), "26-0000001"))[0] == 200
    status, body = answer(routing.route_by_hand(staff_action(REROUTE, headers=service_only), "26-0000001"))
    assert status == 403 and "staff member" in body["error"]
    assert len(published(routing, "RequestRouted")) == 1


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_staff_actions_must_be_sent_as_json(routing, content_type):  # noqa: F811
    """A plain web page can post text/plain or a form across sites without asking; it cannot post JSON."""
    routing.route_request(created("26-0000001"))
    status, body = answer(routing.route_by_hand(staff_action(REROUTE, content_type=content_type), "26-0000001"))
    assert status == 415 and "application/json" in body["error"]
    assert len(published(routing, "RequestRouted")) == 1


def test_a_body_larger_than_the_api_reads_is_refused_with_413(routing):  # noqa: F811
    routing.route_request(created("26-0000001"))
    huge = json.dumps({**REROUTE, "reason": "x" * MAX_JSON_BYTES})
    status, body = answer(routing.route_by_hand(staff_action(huge), "26-0000001"))
    assert status == 413 and f"{MAX_JSON_BYTES:,} bytes" in body["error"]
    assert len(published(routing, "RequestRouted")) == 1


def test_a_token_signed_with_the_right_key_but_another_purpose_is_refused(routing):  # noqa: F811
    """A resident's signed link (another salt) or a CSRF token is no service token, even with the same key."""
    routing.route_request(created("26-0000001"))
    other_purpose = URLSafeTimedSerializer(service_secret(), salt="city311-csrf").dumps(
        {"service": "intake", "staff": "lee", "role": "supervisor"})
    assert answer(routing.route_by_hand(staff_action(REROUTE, headers=bearer(other_purpose)), "26-0000001"))[0] == 401


def test_a_token_from_a_host_whose_clock_is_a_little_ahead_is_accepted_not_one_far_ahead(routing,  # noqa: F811
                                                                                           monkeypatch):
    routing.route_request(created("26-0000001"))
    headers, issued_at = reading().headers, time.time()     # issued now; routing's clock set back below
    monkeypatch.setattr(internal_api.time, "time", lambda: issued_at - internal_api.CLOCK_SKEW_SECONDS + 1)
    assert answer(routing.get_decision(reading(dict(headers)), "26-0000001"))[0] == 200
    monkeypatch.setattr(internal_api.time, "time", lambda: issued_at - 30)
    assert answer(routing.get_decision(reading(dict(headers)), "26-0000001"))[0] == 401
