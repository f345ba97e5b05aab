"""The admin API every simulator answers the same way, beside its own protocol.

GET  /health
GET  /admin/workorders[?external_reference=X]
GET  /admin/faults          POST /admin/faults  {"down_for_seconds": 5, ...} or {"clear": true}
GET  /admin/crew            POST /admin/crew    {"paused": true|false}
POST /admin/advance         {"legacy_id": "...", "status": optional target status}
"""
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request

from .crew import Crew
from .faults import FaultInjector
from .responses import json_response
from .storage import WorkOrderStore

ROUTES = Map([
    Rule("/health", endpoint="health", methods=["GET"]),
    Rule("/admin/workorders", endpoint="workorders", methods=["GET"]),
    Rule("/admin/faults", endpoint="faults", methods=["GET", "POST"]),
    Rule("/admin/crew", endpoint="crew", methods=["GET", "POST"]),
    Rule("/admin/advance", endpoint="advance", methods=["POST"]),
])


class AdminApi:
    """WSGI app for the admin endpoints; errors come back as JSON ``{"error": ...}``."""

    def __init__(self, system: str, store: WorkOrderStore, faults: FaultInjector, crew: Crew):
        self._system = system
        self._store = store
        self._faults = faults
        self._crew = crew

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            endpoint, _ = ROUTES.bind_to_environ(environ).match()
            response = getattr(self, endpoint)(request)
        except HTTPException as error:
            response = json_response({"error": error.description}, error.code)
        except (ValueError, LookupError) as error:
            response = json_response({"error": str(error)}, 404 if isinstance(error, LookupError) else 400)
        return response(environ, start_response)

    def health(self, request: Request):
        return json_response({"status": "ok", "system": self._system, "down": self._faults.is_down()})

    def workorders(self, request: Request):
        rows = self._store.all_with_history(request.args.get("external_reference"))
        return json_response({"workorders": [
            {"legacy_id": row["legacy_id"], "external_reference": row["external_reference"],
             "status": row["status"], "history": row["history"]} for row in rows]})

    def faults(self, request: Request):
        if request.method == "POST":
            return json_response(self._faults.configure(_json_object(request)))
        return json_response(self._faults.snapshot())

    def crew(self, request: Request):
        if request.method == "POST":
            paused = _json_object(request).get("paused")
            if not isinstance(paused, bool):
                raise ValueError("paused must be true or false")
            self._crew.paused = paused
        return json_response({"paused": self._crew.paused})

    def advance(self, request: Request):
        body = _json_object(request)
        if not isinstance(body.get("legacy_id"), str):
            raise ValueError("legacy_id is required")
        workorder = self._crew.advance(body["legacy_id"], body.get("status"))
        return json_response({"legacy_id": workorder["legacy_id"], "status": workorder["status"]})


def _json_object(request: Request) -> dict:
    body = request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body
