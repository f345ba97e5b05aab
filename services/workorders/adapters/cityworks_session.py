"""A logged-in conversation with a Cityworks-style JSON API.

Every call is ``POST /api/<Service>/<Method>`` with ``{"token", "data"}``; the
reply is ``{"Status", "Value", "Message"}`` where Status 0 = ok, 1 = error,
2 = unauthorized (token missing, invalid or expired).
"""
import logging

from .base import PermanentError, TransientError
from .http_transport import HttpTransport

log = logging.getLogger(__name__)

OK, UNAUTHORIZED = 0, 2
AUTHENTICATE = "Authentication/Authenticate"


class CityworksSession:
    """Makes calls with a token, logging in again (once per call) when the token has expired."""

    def __init__(self, system: str, transport: HttpTransport, login_name: str, password: str):
        self._system = system
        self._transport = transport
        self._credentials = {"LoginName": login_name, "Password": password}
        self._token: str | None = None

    def call(self, method: str, data: dict):
        """``Value`` of a successful call; PermanentError when the system refuses, TransientError otherwise."""
        reply = self._post(method, {"token": self._token or self._login(), "data": data})
        if reply["Status"] == UNAUTHORIZED:
            log.info("%s: token not accepted (%s); logging in again", self._system, reply.get("Message"))
            reply = self._post(method, {"token": self._login(), "data": data})
            if reply["Status"] == UNAUTHORIZED:
                raise TransientError(self._system, f"unauthorized even after logging in again: {reply.get('Message')}")
        if reply["Status"] != OK:
            raise PermanentError(self._system, reply.get("Message") or f"{method} refused")
        return reply.get("Value")

    def _login(self) -> str:
        reply = self._post(AUTHENTICATE, {"data": self._credentials})
        value = reply.get("Value")
        token = value.get("Token") if isinstance(value, dict) else None
        if reply["Status"] != OK or not isinstance(token, str):
            # our credentials are wrong or the system is confused: retry later rather than fail the request
            raise TransientError(self._system, f"login refused: {reply.get('Message')}")
        self._token = token
        return token

    def _post(self, method: str, body: dict) -> dict:
        response = self._transport.post(f"/api/{method}", json=body)
        if response.status_code >= 500:
            raise TransientError(self._system, f"{method}: server error HTTP {response.status_code}")
        try:
            reply = response.json()
        except ValueError:
            raise TransientError(self._system, f"{method}: malformed reply (not JSON)") from None
        if not isinstance(reply, dict) or not isinstance(reply.get("Status"), int):
            raise TransientError(self._system, f"{method}: malformed reply (no Status)")
        if response.status_code >= 400:
            raise PermanentError(self._system, f"{method}: HTTP {response.status_code}: {reply.get('Message')}")
        return reply
