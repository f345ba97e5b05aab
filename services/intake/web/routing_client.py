"""The routing service's triage and follow-up lists over HTTP (`GET /api/triage`, `GET /api/follow-ups`,
`POST /api/requests/<id>/route|not-duplicate|followed-up`)."""
import requests

TIMEOUT_SECONDS = 5


class RoutingUnavailable(Exception):
    """Routing did not answer (down, slow, or answered something that is not its API)."""


class RoutingRefused(Exception):
    """Routing answered but would not route: `message` says why (unknown department or request: 400/404;
    the request is closed: 409)."""

    def __init__(self, message, status=400):
        self.message, self.status = message, status
        super().__init__(message)


def triage_list(base_url):
    """Requests waiting for a person, oldest first."""
    return _list(base_url, "triage", "triage")


def follow_up_list(base_url):
    """Closed requests whose reporter said the problem was not fixed, oldest answer first."""
    return _list(base_url, "follow-ups", "follow_ups")


def _list(base_url, path, key):
    try:
        response = requests.get(f"{base_url.rstrip('/')}/api/{path}", timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()[key]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise RoutingUnavailable(str(exc)) from None


def route(base_url, service_request_id, department, reason, staff):
    """Route (or re-route) a request by hand; returns the department routing accepted."""
    _staff_action(base_url, service_request_id, "route", {"department": department, "reason": reason, "staff": staff})
    return department


def not_duplicate(base_url, service_request_id, reason, staff):
    """Un-mark a false duplicate: routing routes it as a request of its own; returns routing's answer."""
    return _staff_action(base_url, service_request_id, "not-duplicate", {"reason": reason, "staff": staff})


def followed_up(base_url, service_request_id, note, staff):
    """Say what was done about a "not fixed" answer; it leaves the follow-up list."""
    return _staff_action(base_url, service_request_id, "followed-up", {"reason": note, "staff": staff})


def _staff_action(base_url, service_request_id, action, body):
    try:
        response = requests.post(f"{base_url.rstrip('/')}/api/requests/{service_request_id}/{action}",
                                 json=body, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise RoutingUnavailable(str(exc)) from None
    if response.status_code in (400, 404, 409):
        raise RoutingRefused(_error_of(response), response.status_code)
    if response.status_code != 200:
        raise RoutingUnavailable(f"routing answered {response.status_code}")
    try:
        return response.json()
    except ValueError:
        raise RoutingUnavailable("routing answered something that is not JSON") from None


def _error_of(response):
    try:
        return str(response.json().get("error") or response.text)
    except ValueError:
        return response.text[:300]
