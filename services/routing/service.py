"""The routing service: every request to the right department, with a due time the city can be held to."""
import json

from nameko.web.handlers import http

from services.routing import handlers, triage_desk
from services.routing.dependencies import JurisdictionProvider
from shared.messaging.entrypoints import reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider
from shared.structured_logging import LogContext, configure

configure("routing")
JSON = {"Content-Type": "application/json"}

ERROR_STATUS = {triage_desk.BadInput: 400, triage_desk.UnknownRequest: 404, triage_desk.Conflict: 409}


def _answer(action):
    """Run a staff API action; its known errors become 400/404/409 with {"error": why}, never a 500."""
    try:
        return 200, JSON, json.dumps(action())
    except tuple(ERROR_STATUS) as exc:
        return ERROR_STATUS[type(exc)], JSON, json.dumps({"error": str(exc)})


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

    @reliable_event_handler("notifications", "SurveyResponded")
    def on_survey_responded(self, event):
        with self.uow() as uow:
            handlers.survey_responded(uow, event)

    @http("GET", "/api/triage")
    def get_triage(self, request):
        with self.uow() as uow:
            return 200, JSON, json.dumps({"triage": triage_desk.triage_list(uow.session)})

    @http("GET", "/api/follow-ups")
    def get_follow_ups(self, request):
        """Closed requests whose reporter said the problem was not fixed, waiting for staff."""
        with self.uow() as uow:
            return 200, JSON, json.dumps({"follow_ups": triage_desk.follow_up_list(uow.session)})

    @http("POST", "/api/requests/<string:service_request_id>/followed-up")
    def followed_up(self, request, service_request_id):
        """Staff followed up a "not fixed" answer: {"staff", "reason"} (what they did)."""
        return self._staff_action(request, service_request_id, triage_desk.followed_up, needs_department=False)

    @http("GET", "/api/requests/<string:service_request_id>")
    def get_decision(self, request, service_request_id):
        """Why a request went where it went: outcome, rule, explanation, who and when."""
        def read():
            with self.uow() as uow:
                return triage_desk.decision_record(uow.session, service_request_id)
        return _answer(read)

    @http("POST", "/api/requests/<string:service_request_id>/route")
    def route_by_hand(self, request, service_request_id):
        """Route a triaged request, or re-route one: {"department", "staff", "reason"[, "priority"]}."""
        return self._staff_action(request, service_request_id, triage_desk.route_by_hand, needs_department=True)

    @http("POST", "/api/requests/<string:service_request_id>/not-duplicate")
    def not_a_duplicate(self, request, service_request_id):
        """Un-mark a false duplicate: {"staff", "reason"}; the rules route it as a request of its own."""
        return self._staff_action(request, service_request_id, triage_desk.not_a_duplicate, needs_department=False)

    def _staff_action(self, request, service_request_id, act, needs_department):
        def run():
            action = triage_desk.read_staff_action(request.get_data(as_text=True), needs_department)
            with self.uow() as uow:
                return act(uow, self.jurisdiction, service_request_id, action)
        return _answer(run)

    @http("GET", "/health")
    def health(self, request):
        return 200, JSON, '{"status": "ok"}'
