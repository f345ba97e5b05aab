"""Code Enforcement webhooks: what the simulator signs the adapter verifies; and the bearer-token session."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from legacy_systems.codeenforcement.cases import change_json
from legacy_systems.codeenforcement.webhooks import signature_headers
from services.workorders.adapters.base import TransientError
from services.workorders.adapters.codeenforcement_events import (WebhookPayloadError, WebhookSignatureError,
                                                                 WebhookStaleError, default_vocabulary, read_change,
                                                                 verify_and_parse_webhook)
from services.workorders.adapters.oauth_session import ClientCredentialsSession

SECRET = "shared-secret"
NOW = datetime(2026, 3, 1, 14, 5, 30, tzinfo=timezone.utc)
CHANGE = {"history_id": 17, "legacy_id": "CE2026-000012", "external_reference": "SR-1", "status": "closed",
          "resolution": "complied", "at": "2026-03-01T14:05:09.123Z"}


def delivery(change=CHANGE, secret=SECRET, sent_at=NOW, body: bytes | None = None) -> tuple[dict, bytes]:
    body = body if body is not None else json.dumps({"id": "evt-1", "type": "case.status_changed",
                                                     "data": change_json(change)}).encode()
    return signature_headers(secret, body, int(sent_at.timestamp()), "evt-1"), body


def test_signed_delivery_gives_the_same_change_as_the_look_up():
    headers, body = delivery()
    [change] = verify_and_parse_webhook(headers, body, SECRET, NOW)
    assert (change.legacy_id, change.status, change.resolution) == \
        ("CE2026-000012", "closed", "The owner corrected the violation")
    assert change == read_change(default_vocabulary(), change_json(CHANGE))  # same change_id: the caller dedupes


def test_header_names_are_matched_in_any_case():
    headers, body = delivery()
    assert verify_and_parse_webhook({name.lower(): value for name, value in headers.items()}, body, SECRET, NOW)


@pytest.mark.parametrize("tamper, error", [
    (lambda h, b: ({k: v for k, v in h.items() if k != "X-CE-Signature"}, b), WebhookSignatureError),
    (lambda h, b: ({**h, "X-CE-Signature": "md5=abc"}, b), WebhookSignatureError),
    (lambda h, b: (h, b.replace(b"closed", b"opened")), WebhookSignatureError),
    (lambda h, b: ({**h, "X-CE-Timestamp": str(int(h["X-CE-Timestamp"]) + 1)}, b), WebhookSignatureError),
    (lambda h, b: ({k: v for k, v in h.items() if k != "X-CE-Timestamp"}, b), WebhookStaleError),
    (lambda h, b: ({**h, "X-CE-Timestamp": "yesterday"}, b), WebhookStaleError),
], ids=["no-signature", "other-scheme", "body-changed", "timestamp-changed", "no-timestamp", "bad-timestamp"])
def test_tampered_deliveries_are_refused(tamper, error):
    headers, body = tamper(*delivery())
    with pytest.raises(error) as refused:
        verify_and_parse_webhook(headers, body, SECRET, NOW)
    assert refused.value.http_status == 401 and refused.value.reason


def test_another_secret_is_refused():
    with pytest.raises(WebhookSignatureError, match="does not match"):
        verify_and_parse_webhook(*delivery(secret="someone-else"), SECRET, NOW)


@pytest.mark.parametrize("sent_at", [NOW - timedelta(seconds=301), NOW + timedelta(seconds=301)])
def test_old_or_future_deliveries_are_refused_as_replays(sent_at):
    with pytest.raises(WebhookStaleError, match="at most 300s"):
        verify_and_parse_webhook(*delivery(sent_at=sent_at), SECRET, NOW)
    assert verify_and_parse_webhook(*delivery(sent_at=sent_at), SECRET, sent_at)


@pytest.mark.parametrize("body", [b'{"type": "case.status_changed", "data": {"case_id": "CE1"', b"[1, 2]",
                                  b'{"type": "case.status_changed", "data": {"case_id": "CE1", "status": "x"}}'])
def test_signed_but_unreadable_delivery_is_a_payload_error(body):
    with pytest.raises(WebhookPayloadError) as refused:
        verify_and_parse_webhook(*delivery(body=body), SECRET, NOW)
    assert refused.value.http_status == 400


def test_events_we_do_not_track_give_no_changes():
    assert verify_and_parse_webhook(*delivery(body=b'{"type": "case.note_added", "data": {}}'), SECRET, NOW) == []
    assert verify_and_parse_webhook(*delivery({**CHANGE, "status": "received"}), SECRET, NOW) == []


class ScriptedTransport:
    """Answers from a list, recording what was asked."""

    def __init__(self, *answers):
        self.answers, self.calls = list(answers), []

    def request(self, method, path, **kwargs):
        self.calls.append((method, path, kwargs.get("headers", {}).get("Authorization")))
        return self.answers.pop(0)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)


class Answer:
    def __init__(self, status_code, body):
        self.status_code, self._body, self.headers = status_code, body, {}

    def json(self):
        return self._body


def token(value):
    return Answer(200, {"access_token": value, "token_type": "Bearer", "expires_in": 3600})


def test_refused_token_is_replaced_once_per_call():
    transport = ScriptedTransport(token("a"), Answer(401, {}), token("b"), Answer(200, {"cases": []}))
    session = ClientCredentialsSession("codeenforcement", transport, "/oauth/token", "city311", "secret")
    assert session.request("GET", "/api/v1/cases").status_code == 200
    assert [auth for _, _, auth in transport.calls] == [None, "Bearer a", None, "Bearer b"]
    transport.answers = [Answer(401, {}), token("c"), Answer(401, {})]
    with pytest.raises(TransientError, match="refused even after"):
        session.request("GET", "/api/v1/cases")
