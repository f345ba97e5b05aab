"""The routing service's triage and follow-up lists over HTTP (`GET /api/triage`, `GET /api/follow-ups`,
`POST /api/requests/<id>/route|not-duplicate|followed-up|reopen`).

Every call carries a service token naming the signed-in staff member: routing records who acted from it.
"""
from dataclasses import dataclass

import requests
import structlog

log = structlog.get_logger("city311.intake.web")
TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class RoutingApi:
    """Routing's staff API as one signed-in staff member calls it: where it is, and the token's headers."""
    base_url: str
    headers: dict

    def url(self, path):
        return f"{self.base_url.rstrip('/')}/api/{path}"


def for_staff(base_url, tokens, account):
    """Routing's API acting for `account` (a StaffAccount), with a fresh token from `tokens` (ServiceTokens)."""
    return RoutingApi(base_url, tokens.headers("routing", account.username, account.role))


class RoutingUnavailable(Exception):
    """Routing did not answer (down, slow, or answered something that is not its API)."""


class RoutingRefused(Exception):
    """Routing answered but would not route: `message` says why (unknown department or request: 400/404;
    the staff member's role may not: 403; the request is closed: 409)."""

    def __init__(self, message, status=400):
        self.message, self.status = message, status
        super().__init__(message)


def triage_list(api):
    """Requests waiting for a person, oldest first."""
    return _list(api, "triage", "triage")


def follow_up_list(api):
    """Closed requests whose reporter said the problem was not fixed, oldest answer first."""
    return _list(api, "follow-ups", "follow_ups")


def _list(api, path, key):
    try:
        response = requests.get(api.url(path), headers=api.headers, timeout=TIMEOUT_SECONDS)
        _check_token_accepted(response)
        response.raise_for_status()
        return response.json()[key]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise RoutingUnavailable(str(exc)) from None


def route(api, service_request_id, department, reason):
    """Route (or re-route) a request by hand; returns the department routing accepted."""
    _staff_action(api, service_request_id, "route", {"department": department, "reason": reason})
    return department


def not_duplicate(api, service_request_id, reason):
    """Un-mark a false duplicate: routing routes it as a request of its own; returns routing's answer."""
    return _staff_action(api, service_request_id, "not-duplicate", {"reason": reason})


def followed_up(api, service_request_id, note):
    """Say what was done about a "not fixed" answer; it leaves the follow-up list."""
    return _staff_action(api, service_request_id, "followed-up", {"reason": note})


def reopen(api, service_request_id, reason):
    """Reopen a closed request (routing refuses one not closed: 409); returns routing's answer."""
    return _staff_action(api, service_request_id, "reopen", {"reason": reason})


def _staff_action(api, service_request_id, action, body):
    try:
        response = requests.post(api.url(f"requests/{service_request_id}/{action}"), headers=api.headers,
                                 json=body, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise RoutingUnavailable(str(exc)) from None
    if response.status_code == 403 and not _is_token_refusal(response):   # the staff member's role may not
        raise RoutingRefused(_error_of(response), 403)
    _check_token_accepted(response)
    if response.status_code in (400, 404, 409):
        raise RoutingRefused(_error_of(response), response.status_code)
    if response.status_code != 200:
        raise RoutingUnavailable(f"routing answered {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise RoutingUnavailable("routing answered something that is not JSON") from None


def _check_token_accepted(response):
    """Routing refusing our token is a configuration error, not routing being away: say so in the log."""
    if response.status_code in (401, 403):
        log.error("routing refused intake's service token; is CITY311_SERVICE_SECRET the same for both?",
                  status=response.status_code, error=_error_of(response)[:200])
        raise RoutingUnavailable(f"routing refused the service token ({response.status_code})")


def _is_token_refusal(response):
    """Routing's 403 for a token acting for no staff member (intake always names one: a bug, not a role)."""
    return "staff member's identity" in _error_of(response)


def _error_of(response):
    try:
        return str(response.json().get("error") or response.text)
    except ValueError:
        return response.text[:300]
