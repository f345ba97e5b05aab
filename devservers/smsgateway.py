"""Simulated SMS gateway for development: texts are kept here, none reaches a phone.

    python -m devservers.smsgateway [--port 8026] [--api-key dev-sms-key] [--webhook-url URL]

    POST   /api/send        {"to": "+14045550134", "body": "...", "reference": "optional idempotency key"}
                            with header X-API-Key (or Authorization: Bearer KEY)
                            200 {"id": "SM000001", "status": "sent"}; the same reference again answers
                            the first id ("duplicate": true) and sends nothing
                            400 {"error": "invalid_number" | "body_too_long" | "invalid_request"}  permanent
                            401 {"error": "invalid_api_key"};  503 {"error": "temporarily_unavailable"}
    GET    /api/messages    {"messages": [{id, to, body, reference, sent_at}]};  DELETE clears them
    GET    /api/faults      the faults in force
    POST   /api/faults      {"reject_numbers": ["+1..."]}  answer invalid_number for those, for good
                            {"fail_next": N}  answer 503 to the next N sends;  {"clear": true}
    POST   /api/inbound     {"from": "+1...", "body": "STOP"}: a text from a phone, delivered to the
                            webhook (--webhook-url) with header X-Webhook-Key
    GET    /health
"""
import itertools
import os
import re
import threading
from datetime import datetime, timezone

import requests
from werkzeug.exceptions import BadRequest
from werkzeug.routing import Rule

from devservers.web import (RoutedApp, argument_parser, configure_logging, env_int, json_body, json_response,
                            log, read_faults, serve_until_signalled)

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
MAX_BODY = 1600  # ten concatenated segments, as real gateways allow


class Gateway:
    """Sent texts and faults (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._messages = []
        self._by_reference = {}
        self._ids = itertools.count(1)
        self._rejected = set()
        self._fail_next = 0

    def send(self, to, body, reference=None):
        """Send one text; returns (http status, answer)."""
        with self._lock:
            if reference and reference in self._by_reference:
                return 200, {"id": self._by_reference[reference], "status": "sent", "duplicate": True}
            if self._fail_next > 0:
                self._fail_next -= 1
                return 503, {"error": "temporarily_unavailable", "message": "carrier link down, retry later"}
            if not E164.match(to) or to in self._rejected:
                return 400, {"error": "invalid_number", "message": "the number cannot receive texts"}
            if len(body) > MAX_BODY:
                return 400, {"error": "body_too_long", "message": f"at most {MAX_BODY} characters"}
            message_id = f"SM{next(self._ids):06d}"
            self._messages.append({"id": message_id, "to": to, "body": body, "reference": reference,
                                   "sent_at": datetime.now(timezone.utc).isoformat()})
            if reference:
                self._by_reference[reference] = message_id
        log.info("sent text %s", message_id)
        return 200, {"id": message_id, "status": "sent"}

    def messages(self):
        with self._lock:
            return list(self._messages)

    def clear(self):
        with self._lock:
            count, self._messages, self._by_reference = len(self._messages), [], {}
        return count

    def configure_faults(self, body):
        numbers, fail_next, clear = read_faults(body, "reject_numbers", "fail_next")
        with self._lock:
            if clear:
                self._rejected, self._fail_next = set(), 0
            self._rejected |= set(numbers)
            self._fail_next += fail_next
        return self.faults()

    def faults(self):
        with self._lock:
            return {"reject_numbers": sorted(self._rejected), "fail_next": self._fail_next}


class GatewayApp(RoutedApp):
    rules = (Rule("/health", endpoint="health", methods=["GET"]),
             Rule("/api/send", endpoint="send", methods=["POST"]),
             Rule("/api/messages", endpoint="messages", methods=["GET", "DELETE"]),
             Rule("/api/faults", endpoint="faults", methods=["GET", "POST"]),
             Rule("/api/inbound", endpoint="inbound", methods=["POST"]))

    def __init__(self, gateway, api_key, webhook_url, webhook_key):
        super().__init__()
        self.gateway, self.api_key = gateway, api_key
        self.webhook_url, self.webhook_key = webhook_url, webhook_key

    def send(self, request):
        if self._key(request) != self.api_key:
            return json_response({"error": "invalid_api_key", "message": "unknown or missing API key"}, 401)
        body = json_body(request)
        to, text = body.get("to"), body.get("body")
        if not isinstance(to, str) or not isinstance(text, str) or not text:
            return json_response({"error": "invalid_request", "message": "to and body are required"}, 400)
        status, answer = self.gateway.send(to, text, body.get("reference"))
        return json_response(answer, status)

    def messages(self, request):
        if request.method == "DELETE":
            return json_response({"deleted": self.gateway.clear()})
        return json_response({"messages": self.gateway.messages()})

    def faults(self, request):
        if request.method == "POST":
            return json_response(self.gateway.configure_faults(json_body(request)))
        return json_response(self.gateway.faults())

    def inbound(self, request):
        body = json_body(request)
        if not isinstance(body.get("from"), str) or not isinstance(body.get("body"), str):
            raise BadRequest("from and body are required")
        try:
            answer = requests.post(self.webhook_url, timeout=10, headers={"X-Webhook-Key": self.webhook_key},
                                   json={"from": body["from"], "body": body["body"],
                                         "received_at": datetime.now(timezone.utc).isoformat()})
        except requests.RequestException as exc:
            return json_response({"delivered": False, "error": str(exc)}, 502)
        return json_response({"delivered": answer.ok, "webhook_status": answer.status_code},
                             200 if answer.ok else 502)

    @staticmethod
    def _key(request):
        bearer = request.headers.get("Authorization", "")
        return request.headers.get("X-API-Key") or (bearer[7:] if bearer.startswith("Bearer ") else None)


def main():
    parser = argument_parser("smsgateway", "Simulated SMS gateway: a send API, sent texts as JSON, faults.")
    parser.add_argument("--port", type=int, default=env_int("SMSGATEWAY_PORT", 8026))
    parser.add_argument("--api-key", default=os.environ.get("SMSGATEWAY_API_KEY", "dev-sms-key"))
    parser.add_argument("--webhook-url", default=os.environ.get(
        "SMSGATEWAY_WEBHOOK_URL", "http://localhost:8313/api/sms/inbound"), help="where inbound texts go")
    parser.add_argument("--webhook-key", default=os.environ.get("SMSGATEWAY_WEBHOOK_KEY", "dev-sms-webhook-key"))
    args = parser.parse_args()
    configure_logging("smsgateway")
    app = GatewayApp(Gateway(), args.api_key, args.webhook_url, args.webhook_key)
    serve_until_signalled(app, args.host, args.port)


if __name__ == "__main__":
    main()
