"""The routing service: every request to the right department, with a due time the city can be held to."""
import json

from nameko.web.handlers import http

from services.routing import handlers
from services.routing.dependencies import JurisdictionProvider
from shared.messaging.entrypoints import reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider
from shared.structured_logging import LogContext, configure

configure("routing")
JSON = {"Content-Type": "application/json"}


def _error(status, message):
    return status, JSON, json.dumps({"error": message})


class RoutingService:
    name = "routing"

    uow = UnitOfWorkProvider()
    jurisdiction = JurisdictionProvider()
    log_context = LogContext()

    @reliable_event_handler("intake", "RequestCreated")
    def route_request(self, event):
        with self.uow() as uow:
            handlers.route_request(uow, event, self.jurisdiction)

    @reliable_event_handler("workorders", "WorkOrderCreated")
    def on_work_order_created(self, event):
        with self.uow() as uow:
            handlers.work_order_created(uow, event)

    @reliable_event_handler("workorders", "WorkOrderClosed")
    def on_work_order_closed(self, event):
        with self.uow() as uow:
            handlers.work_order_closed(uow, event)

    @reliable_event_handler("workorders", "WorkOrderFailed")
    def on_work_order_failed(self, event):
        with self.uow() as uow:
            handlers.work_order_failed(uow, event)

    @http("GET", "/api/triage")
    def get_triage(self, request):
        with self.uow() as uow:
            return 200, JSON, json.dumps({"triage": handlers.triage_list(uow.session)})

    @http("POST", "/api/requests/<string:service_request_id>/route")
    def route_by_hand(self, request, service_request_id):
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
            missing = [k for k in ("department", "staff", "reason") if not body.get(k)]
            if missing:
                return _error(400, f"missing: {', '.join(missing)}")
            with self.uow() as uow:
                department = handlers.route_by_hand(uow, self.jurisdiction, service_request_id, body["department"],
                                                    body["staff"], body["reason"], body.get("priority", "normal"))
        except ValueError as exc:   # bad JSON, unknown department, bad priority
            return _error(400, str(exc))
        except handlers.UnknownRequest as exc:
            return _error(404, str(exc))
        return 200, JSON, json.dumps({"service_request_id": service_request_id, "department": department})

    @http("GET", "/health")
    def health(self, request):
        return 200, JSON, '{"status": "ok"}'
