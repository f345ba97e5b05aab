"""Calls to an API behind OAuth2 client-credentials bearer tokens (RFC 6749 section 4.4).

The token is fetched on first use, kept until shortly before it expires, and
fetched again (once per call) when the API answers 401.
"""
import logging
import time

import requests

from .base import TransientError
from .http_transport import HttpTransport

log = logging.getLogger(__name__)


class ClientCredentialsSession:
    """Adds ``Authorization: Bearer`` to every request of one transport."""

    def __init__(self, system: str, transport: HttpTransport, token_path: str, client_id: str, client_secret: str):
        self._system = system
        self._transport = transport
        self._token_path = token_path
        self._credentials = (client_id, client_secret)
        self._token: str | None = None
        self._expires_at = 0.0

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """The API's response; a 401 is retried once with a fresh token, then it is a TransientError."""
        response = self._transport.request(method, path, headers=self._authorization(), **kwargs)
        if response.status_code == 401:
            log.info("%s: bearer token refused (%s); fetching a new one", self._system,
                     response.headers.get("WWW-Authenticate"))
            self._token = None
            response = self._transport.request(method, path, headers=self._authorization(), **kwargs)
            if response.status_code == 401:
                raise TransientError(self._system, "bearer token refused even after fetching a new one")
        return response

    def _authorization(self) -> dict:
        if self._token is None or time.monotonic() >= self._expires_at:
            self._fetch_token()
        return {"Authorization": f"Bearer {self._token}"}

    def _fetch_token(self) -> None:
        response = self._transport.post(self._token_path, data={"grant_type": "client_credentials"},
                                        auth=self._credentials)
        try:
            answer = response.json()
            token, lifetime = answer.get("access_token"), float(answer.get("expires_in") or 60)
        except (ValueError, AttributeError, TypeError):
            raise TransientError(self._system, f"token endpoint: malformed reply (HTTP {response.status_code})") \
                from None
        if response.status_code != 200 or not isinstance(token, str):
            # our credentials are wrong or the system is confused: retry later rather than fail the request
            raise TransientError(self._system,
                                 f"token refused: {answer.get('error')} {answer.get('error_description')}")
        self._token = token
        self._expires_at = time.monotonic() + lifetime - min(30.0, lifetime / 10)  # renew a little early
