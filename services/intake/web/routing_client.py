"""The routing service's triage list over HTTP (`GET /api/triage`, `POST /api/requests/<id>/route`)."""
import requests

TIMEOUT_SECONDS = 5


class RoutingUnavailable(Exception):
    """Routing did not answer (down, slow, or answered something that is not its API)."""


class RoutingRefused(Exception):
    """Routing answered but would not route: `message` says why (unknown department, unknown request)."""

    def __init__(self, message):
        self.message = message
        super().__init__(message)


def triage_list(base_url):
    """Requests waiting for a person, oldest first."""
    try:
        response = requests.get(f"{base_url.rstrip('/')}/api/triage", timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()["triage"]
    except (requests.RequestException, ValueError, KeyError) as exc:
        raise RoutingUnavailable(str(exc)) from None


def route(base_url, service_request_id, department, reason, staff):
    """Route (or re-route) a request by hand; returns the department routing accepted."""
    try:
        response = requests.post(f"{base_url.rstrip('/')}/api/requests/{service_request_id}/route",
                                 json={"department": department, "reason": reason, "staff": staff},
                                 timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise RoutingUnavailable(str(exc)) from None
    if response.status_code in (400, 404):
        raise RoutingRefused(_error_of(response))
    if response.status_code != 200:
        raise RoutingUnavailable(f"routing answered {response.status_code}")
    return department


def _error_of(response):
    try:
        return str(response.json().get("error") or response.text)
    except ValueError:
        return response.text[:300]
