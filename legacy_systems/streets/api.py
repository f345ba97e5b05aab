"""Cityworks-style JSON RPC endpoint of the Streets simulator (see PROTOCOL.md).

Every call is ``POST /api/<Service>/<Method>`` with a JSON body
``{"token": "...", "data": {...}}`` and answers
``{"Status": 0|1|2, "Value": ..., "Message": ...}``.
"""
import argparse
import logging

from werkzeug.wrappers import Request, Response

from legacy_systems.common.responses import json_response
from legacy_systems.common.rules import BusinessRuleError
from legacy_systems.common.server import Protocol, SimulatorContext

from .methods import WorkOrderMethods
from .tokens import TokenIssuer

log = logging.getLogger("api")

OK, ERROR, UNAUTHORIZED = 0, 1, 2
AUTHENTICATE = "Authentication/Authenticate"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Streets-only command-line options."""
    parser.add_argument("--token-ttl", type=float, default=None,
                        help="seconds a login token lives (default from system.yaml)")


def build_protocol(context: SimulatorContext) -> Protocol:
    """The Cityworks-style API, with its own reply for injected server errors."""
    ttl = context.args.token_ttl or context.config["token_ttl_seconds"]
    api = StreetsApi(TokenIssuer(context.config["accounts"], ttl), WorkOrderMethods(context))
    return Protocol(app=api, error_response=server_error)


def envelope(status: int, value=None, message: str | None = None, http_status: int = 200) -> Response:
    """The Cityworks reply shape."""
    return json_response({"Status": status, "Value": value, "Message": message}, http_status)


def server_error() -> Response:
    """What an internal failure looks like on the wire: HTTP 500 with Status 1."""
    return envelope(ERROR, message="Unexpected server error; please try again later", http_status=500)


class StreetsApi:
    """WSGI app: authenticates, checks the token and dispatches to a method."""

    def __init__(self, tokens: TokenIssuer, methods: WorkOrderMethods):
        self._tokens = tokens
        self._methods = methods

    def __call__(self, environ, start_response):
        return self.dispatch(Request(environ))(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Turn one HTTP request into one Cityworks reply."""
        if request.method != "POST" or not request.path.startswith("/api/"):
            return envelope(ERROR, message="Use POST /api/<Service>/<Method>", http_status=404)
        body = request.get_json(force=True, silent=True)
        if not isinstance(body, dict):
            return envelope(ERROR, message="Body must be a JSON object {token, data}", http_status=400)
        name, data = request.path[len("/api/"):], body.get("data") or {}
        if not isinstance(data, dict):
            return envelope(ERROR, message="data must be a JSON object", http_status=400)
        if name == AUTHENTICATE:
            return self.authenticate(data)
        method = self._methods.named(name)
        if method is None:
            return envelope(ERROR, message=f"Unknown service method {name}", http_status=404)
        problem = self._tokens.problem_with(body.get("token"))
        if problem:
            return envelope(UNAUTHORIZED, message=f"Unauthorized: token {problem}")
        try:
            return envelope(OK, method(data))
        except BusinessRuleError as rejection:
            log.info("%s rejected: %s", name, rejection.reason)
            return envelope(ERROR, message=rejection.reason)

    def authenticate(self, data: dict) -> Response:
        """Log in with ``{"LoginName", "Password"}``; Value carries the token and its expiry."""
        token = self._tokens.login(data.get("LoginName"), data.get("Password"))
        if token is None:
            return envelope(UNAUTHORIZED, message="Invalid login name or password")
        return envelope(OK, {"Token": token, "ExpiresInSeconds": self._tokens.ttl_seconds})
