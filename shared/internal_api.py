"""What the services' HTTP APIs share: service tokens, the JSON content type, and a limit on every body.

A service calls another's internal API with a short-lived token (itsdangerous, signed with the shared
secret CITY311_SERVICE_SECRET, salted with the service it is meant for). The token names the calling
service and, when it acts for someone, the staff member and their role from the caller's signed-in
console session: the called service takes the acting staff member from the token, never from the body.
"""
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from nameko import config
from nameko.extensions import DependencyProvider

# The only place the development secret is written: production must set CITY311_SERVICE_SECRET.
DEVELOPMENT_SERVICE_SECRET = "dev-only-city311-service-secret"
TOKEN_MAX_AGE_SECONDS = 60
CLOCK_SKEW_SECONDS = 5         # hosts' clocks differ a little: a token may look this much younger than now
MAX_JSON_BYTES = 64_000        # a staff action or a follow request is a few hundred bytes
MAX_FORM_BYTES = 64_000        # a resident's survey answer or follow form (comments are short)
MAX_WEBHOOK_BYTES = 1_000_000  # a department system's webhook: a batch of status changes
JSON_TYPE = "application/json"


class RequestRefused(Exception):
    """The request cannot be served as sent; `status` is the HTTP status, the message says why."""
    status = 400


class NotAuthenticated(RequestRefused):
    """No service token, or one forged, expired or meant for another service (HTTP 401)."""
    status = 401


class StaffRequired(RequestRefused):
    """The token is good but acts for no staff member, and the action is a staff member's (HTTP 403)."""
    status = 403


class BodyTooLarge(RequestRefused):
    """The body is longer than the endpoint accepts (HTTP 413)."""
    status = 413


class NotJson(RequestRefused):
    """A JSON endpoint was sent something else (HTTP 415)."""
    status = 415


@dataclass(frozen=True)
class Caller:
    """Who calls an internal API: the service, and the staff member it acts for (None for a service's own call)."""
    service: str
    staff: str | None = None
    role: str | None = None

    def acting_staff(self):
        """The staff member's username; StaffRequired when the token acts for nobody."""
        if not self.staff:
            raise StaffRequired("this action needs the signed-in staff member's identity in the service token")
        return self.staff


def service_secret(configured=None):
    """The configured service secret, or the development default when none is set."""
    return str(configured or "") or DEVELOPMENT_SERVICE_SECRET


class ServiceTokens:
    """Issue tokens as `service_name`, and check the tokens other services send to it."""

    def __init__(self, secret, service_name, max_age_seconds=TOKEN_MAX_AGE_SECONDS):
        self._secret, self.service_name, self._max_age = secret, service_name, max_age_seconds

    def _serializer(self, audience):
        return URLSafeTimedSerializer(self._secret, salt=f"city311.service-token.{audience}")

    def issue(self, audience, staff=None, role=None):
        """A token for a call to `audience`'s API, acting for `staff` (with `role`) when given."""
        return self._serializer(audience).dumps({"service": self.service_name, "staff": staff, "role": role})

    def headers(self, audience, staff=None, role=None):
        """The HTTP headers that carry a fresh token."""
        return {"Authorization": f"Bearer {self.issue(audience, staff, role)}"}

    def caller(self, request):
        """The Caller named by the request's token; NotAuthenticated unless it is good, fresh and meant for us."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or not token:
            raise NotAuthenticated("send a service token: Authorization: Bearer <token>")
        try:
            claims, issued = self._serializer(self.service_name).loads(token.strip(), return_timestamp=True)
        except BadSignature:
            raise NotAuthenticated("the service token is forged or meant for another service") from None
        if not -CLOCK_SKEW_SECONDS <= time.time() - issued.timestamp() <= self._max_age:
            raise NotAuthenticated("the service token has expired (or the hosts' clocks disagree)")
        if not isinstance(claims, dict) or not isinstance(claims.get("service"), str):
            raise NotAuthenticated("the service token names no calling service")
        staff, role = claims.get("staff"), claims.get("role")
        return Caller(claims["service"], staff if isinstance(staff, str) else None,
                      role if isinstance(role, str) else None)


class ServiceAuth(DependencyProvider):
    """Injects the service's ServiceTokens, keyed with SERVICE_SECRET from its config."""

    def setup(self):
        self.tokens = ServiceTokens(service_secret(config.get("SERVICE_SECRET")), self.container.service_name)

    def get_dependency(self, worker_ctx):
        return self.tokens


def limited_body(request, max_bytes):
    """The request's body, at most `max_bytes` whether sent whole or chunked; BodyTooLarge beyond."""
    too_large = BodyTooLarge(f"the request body is larger than {max_bytes:,} bytes")
    if (request.content_length or 0) > max_bytes:
        raise too_large
    # werkzeug reads no body without a Content-Length; the server's input decodes chunked bodies.
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    body = (request.environ["wsgi.input"] if chunked else request.stream).read(max_bytes + 1)
    if len(body) > max_bytes:
        raise too_large
    return body


def json_text(request, max_bytes=MAX_JSON_BYTES):
    """The body of a JSON endpoint as text: NotJson unless sent as application/json, BodyTooLarge if too long."""
    if request.mimetype != JSON_TYPE:
        raise NotJson(f"send the body as {JSON_TYPE}")
    return limited_body(request, max_bytes).decode("utf-8", errors="replace")
