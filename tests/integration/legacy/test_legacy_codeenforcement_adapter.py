"""The Code Enforcement (REST + OAuth2 + signed webhooks) client against the real simulator process."""
from collections import Counter

import pytest
import requests

from services.workorders.adapters import PermanentError, TransientError, build_client
from services.workorders.adapters.codeenforcement_events import WebhookPayloadError, WebhookSignatureError
from tests.integration.legacy.department_systems import (WEBHOOK_SECRET, WebhookReceiver, client_settings,
                                                         simulator_arguments)

TOKEN_TTL_SECONDS = 1


@pytest.fixture(scope="module")
def receiver():
    with WebhookReceiver() as running:
        yield running


@pytest.fixture(scope="module")
def simulator(receiver, launch_simulator):
    return launch_simulator("codeenforcement", *simulator_arguments("codeenforcement", receiver.url),
                            "--token-ttl", str(TOKEN_TTL_SECONDS))


@pytest.fixture
def settings(simulator, tmp_path):
    return client_settings(simulator, None, tmp_path)


@pytest.fixture
def client(settings):
    return build_client("codeenforcement", settings)


def pushed(receiver, legacy_id: str) -> list:
    return [change for change in receiver.changes if change.legacy_id == legacy_id]


def test_case_is_created_found_and_followed_to_closed_by_webhook_and_look_up(simulator, receiver, client,
                                                                             new_request, check_lifecycle, wait_for):
    request = new_request("GRAFFITI", priority="high")
    created = client.create(request)
    assert created.legacy_id.startswith("CE") and created.legacy_status == "received"
    assert client.find_by_reference(request.service_request_id) == created

    simulator.wait_for_status(request.service_request_id, {"closed"})  # the simulated crew at work
    by_webhook = wait_for(lambda: any(c.status == "closed" for c in pushed(receiver, created.legacy_id))
                          and pushed(receiver, created.legacy_id))
    check_lifecycle(by_webhook, request.service_request_id)
    by_look_up = [c for c in client.fetch_changes(None)[0] if c.legacy_id == created.legacy_id]
    assert by_look_up == by_webhook  # the same changes with the same ids: the caller keeps one of each


def test_repeated_and_reordered_webhooks_carry_equal_ids(simulator, receiver, client, new_request, wait_for):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    created = client.create(new_request("OVERGROWN_LOT"))
    simulator.faults(duplicate_status=True, out_of_order_status=True)
    for _ in range(2):
        simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id})
    deliveries = wait_for(lambda: len(pushed(receiver, created.legacy_id)) == 4 and pushed(receiver, created.legacy_id))
    assert set(Counter(change.change_id for change in deliveries).values()) == {2}
    look_up = [c for c in client.fetch_changes(None)[0] if c.legacy_id == created.legacy_id]
    assert [c.status for c in look_up][::2] == ["assigned", "in_progress"]  # sorted oldest first, each twice
    assert {c.change_id for c in look_up} == {c.change_id for c in deliveries}


@pytest.mark.parametrize("trouble", ["wrong_secret", "malformed"])
def test_refused_webhook_is_sent_again_and_the_look_up_catches_up(simulator, receiver, client, new_request, wait_for,
                                                                  trouble):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    created = client.create(new_request("ILLEGAL_DUMPING"))
    receiver.rejections.clear()
    if trouble == "wrong_secret":
        receiver.secret = "not-the-shared-secret"
    else:
        simulator.faults(malformed_rate=1.0)
    simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id})
    expected = WebhookSignatureError if trouble == "wrong_secret" else WebhookPayloadError
    wait_for(lambda: any(isinstance(r, expected) for r in receiver.rejections))
    simulator.faults(clear=True)  # the API too answered cut-short bodies
    caught_up = [c for c in client.fetch_changes(None)[0] if c.legacy_id == created.legacy_id]
    assert [c.status for c in caught_up] == ["assigned"]
    if trouble == "wrong_secret":
        assert pushed(receiver, created.legacy_id) == []  # the look-up had it while every delivery was refused
        receiver.secret = WEBHOOK_SECRET
    assert wait_for(lambda: pushed(receiver, created.legacy_id)) == caught_up  # a retry got through


@pytest.mark.parametrize("fault", [{"down_for_seconds": 30}, {"slow_ms": 1200}, {"error_rate": 1.0},
                                   {"malformed_rate": 1.0}], ids=["down", "slow", "error", "malformed"])
def test_each_fault_is_a_transient_error(simulator, settings, new_request, fault):
    client = build_client("codeenforcement", {**settings, "timeout_seconds": 0.5})
    client.find_by_reference("SR-warm-up")  # token fetched before the fault, so the fault hits each call itself
    simulator.faults(**fault)
    for call in (lambda: client.create(new_request("GRAFFITI")), lambda: client.find_by_reference("SR-x"),
                 lambda: client.fetch_changes(None), lambda: client.cancel("CE2026-000001", "x")):
        with pytest.raises(TransientError):
            call()


def test_reply_lost_after_create_is_recovered_by_look_up_or_409(simulator, client, new_request):
    request = new_request("ABANDONED_VEHICLE_PRIVATE")
    client.find_by_reference("SR-warm-up")
    simulator.faults(malformed_rate=1.0)
    with pytest.raises(TransientError, match="malformed"):
        client.create(request)
    simulator.faults(clear=True)
    assert client.create(request) == client.find_by_reference(request.service_request_id)  # 409 -> the case on file
    assert len(simulator.workorders(request.service_request_id)) == 1


def test_refusals_are_permanent_with_the_reason(simulator, settings, client, new_request):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    bogus = build_client("codeenforcement", {**settings, "category_map": {"GRAFFITI": "bogus"}})
    with pytest.raises(PermanentError, match="UNKNOWN_CATEGORY: Unknown category 'bogus'"):
        bogus.create(new_request("GRAFFITI"))
    open_one, done_one = client.create(new_request("WATER_LEAK")), client.create(new_request("DOWNED_TREE"))
    assert client.cancel(open_one.legacy_id, "Owner already repaired it") is True
    assert simulator.workorders(open_one.external_reference)[0]["status"] == "withdrawn"
    simulator.admin("POST", "/admin/advance", {"legacy_id": done_one.legacy_id, "status": "closed"})
    with pytest.raises(PermanentError, match="NOT_CANCELLABLE: .* can no longer be cancelled"):
        client.cancel(done_one.legacy_id, "too late")
    with pytest.raises(PermanentError, match="NOT_FOUND: No case CE1999-000001"):
        client.cancel("CE1999-000001", "unknown")


def test_tokens_expire_and_are_renewed_and_bad_credentials_are_transient(simulator, settings, client, wait_for):
    token = requests.post(f"{simulator.url}/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("city311", "city311-dev"), timeout=5).json()
    assert token["token_type"] == "Bearer" and token["expires_in"] == TOKEN_TTL_SECONDS
    client.find_by_reference("SR-before")

    def expired():
        answer = requests.get(f"{simulator.url}/api/v1/cases?external_reference=x", timeout=5,
                              headers={"Authorization": f"Bearer {token['access_token']}"})
        return answer.status_code == 401 and 'error="invalid_token"' in answer.headers["WWW-Authenticate"]
    wait_for(expired, timeout=5)
    assert client.find_by_reference("SR-after") is None  # a new token, quietly
    with pytest.raises(TransientError, match="token refused: invalid_client"):
        build_client("codeenforcement", {**settings, "client_secret": "wrong"}).find_by_reference("SR-x")
