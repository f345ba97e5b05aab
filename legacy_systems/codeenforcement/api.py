"""The Code Enforcement REST API (see PROTOCOL.md): OAuth2 client-credentials tokens, then JSON case resources.

Errors are RFC 7807 problem documents (``application/problem+json``) with a
machine-readable ``code``; token errors follow RFC 6749 (``{"error": ...}``).
"""
import argparse
import json
import logging
import os

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from legacy_systems.common.periodic import PeriodicTask
from legacy_systems.common.responses import json_response
from legacy_systems.common.rules import BusinessRuleError
from legacy_systems.common.server import Protocol, SimulatorContext
from legacy_systems.streets.tokens import TokenIssuer

from .cases import CaseResources, Conflict
from .webhooks import WebhookSender

log = logging.getLogger("api")

ROUTES = Map([
    Rule("/oauth/token", endpoint="token", methods=["POST"]),
    Rule("/api/v1/cases", endpoint="cases", methods=["GET", "POST"]),
    Rule("/api/v1/cases/changes", endpoint="changes", methods=["GET"]),
    Rule("/api/v1/cases/<case_id>", endpoint="case", methods=["GET"]),
    Rule("/api/v1/cases/<case_id>/cancel", endpoint="cancel", methods=["POST"]),
])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Code-Enforcement-only command-line options."""
    parser.add_argument("--token-ttl", type=float, default=None, help="seconds an access token lives")
    parser.add_argument("--webhook-url", default=os.environ.get("CODEENFORCEMENT_WEBHOOK_URL"),
                        help="where status changes are pushed (default from system.yaml; '' for none)")
    parser.add_argument("--webhook-secret", default=os.environ.get("CODEENFORCEMENT_WEBHOOK_SECRET"),
                        help="shared secret of the HMAC-SHA256 webhook signatures")


def build_protocol(context: SimulatorContext) -> Protocol:
    """The API, and the webhook sender unless the webhook URL is empty."""
    tokens = TokenIssuer(context.config["clients"], context.args.token_ttl or context.config["token_ttl_seconds"])
    api = CaseApi(tokens, CaseResources(context), context.config["max_body_bytes"])
    settings = context.config["webhook"]
    url = settings["url"] if context.args.webhook_url is None else context.args.webhook_url
    if not url:
        return Protocol(app=api, error_response=server_error)
    sender = WebhookSender(context, url, context.args.webhook_secret or settings["secret"])
    return Protocol(app=api, error_response=server_error,
                    tasks=[PeriodicTask("webhooks", settings["send_seconds"][context.args.crew_speed], sender.send)])


def problem(status: int, title: str, detail: str, code: str, **extra) -> Response:
    """An RFC 7807 problem document."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code, **extra}
    return Response(json.dumps(body), status=status, mimetype="application/problem+json")


def server_error() -> Response:
    """What an internal failure looks like on the wire."""
    return problem(500, "Internal Server Error", "Unexpected error; please try again later", "SERVER_ERROR")


class CaseApi:
    """WSGI app: token endpoint, bearer check, then the case resources."""

    def __init__(self, tokens: TokenIssuer, cases: CaseResources, max_body_bytes: int):
        self._tokens = tokens
        self._cases = cases
        self._max_body = max_body_bytes

    def __call__(self, environ, start_response):
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """One HTTP request in, one JSON answer out."""
        try:
            endpoint, values = ROUTES.bind_to_environ(request.environ).match()
        except HTTPException as error:
            return problem(error.code, error.name, error.description, "NO_SUCH_RESOURCE")
        if endpoint == "token":
            return self.token(request)
        unauthorized = self._tokens.problem_with(request.headers.get("Authorization", "").removeprefix("Bearer "))
        if unauthorized:
            response = problem(401, "Unauthorized", f"Bearer token {unauthorized}", "UNAUTHORIZED")
            response.headers["WWW-Authenticate"] = \
                f'Bearer error="invalid_token", error_description="token {unauthorized}"'
            return response
        try:
            return self._resource(request, endpoint, values)
        except Conflict as conflict:
            log.info("%s refused: %s", endpoint, conflict.code)
            return problem(409, "Conflict", conflict.reason, conflict.code, case_id=conflict.case_id)
        except BusinessRuleError as rejection:
            log.info("%s refused: %s", endpoint, rejection.code)
            return problem(422 if rejection.code == "UNKNOWN_CATEGORY" else 400, "Unprocessable request",
                           rejection.reason, rejection.code)
        except LookupError as missing:
            return problem(404, "Not Found", str(missing.args[0]), "NOT_FOUND")

    def token(self, request: Request) -> Response:
        """OAuth2 client credentials: HTTP Basic or client_id / client_secret form fields."""
        if request.form.get("grant_type") != "client_credentials":
            return _token_error(400, "unsupported_grant_type", "grant_type must be client_credentials")
        client_id = request.authorization.username if request.authorization else request.form.get("client_id")
        secret = request.authorization.password if request.authorization else request.form.get("client_secret")
        token = self._tokens.login(client_id, secret)
        if token is None:
            return _token_error(401, "invalid_client", "unknown client or wrong secret")
        return json_response({"access_token": token, "token_type": "Bearer",
                              "expires_in": int(self._tokens.ttl_seconds)})

    def _resource(self, request: Request, endpoint: str, values: dict) -> Response:
        if endpoint == "changes":
            return json_response(self._cases.changes_since(request.args.get("since")))
        if endpoint == "case":
            return json_response(self._cases.show_case(values["case_id"]))
        if endpoint == "cases" and request.method == "GET":
            return json_response(self._cases.find_cases(request.args.get("external_reference")))
        body = self._json_body(request)
        if endpoint == "cancel":
            return json_response(self._cases.cancel_case(values["case_id"], body))
        case = self._cases.open_case(body)
        created = json_response(case, 201)
        created.headers["Location"] = f"/api/v1/cases/{case['id']}"
        return created

    def _json_body(self, request: Request) -> dict:
        if (request.content_length or 0) > self._max_body:
            raise BusinessRuleError("BAD_FIELD", f"body is larger than {self._max_body} bytes")
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            raise BusinessRuleError("BAD_BODY", "body must be a JSON object")
        return body


def _token_error(status: int, error: str, description: str) -> Response:
    return json_response({"error": error, "error_description": description}, status)
