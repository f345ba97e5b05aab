"""The routing service: every request to the right department, with a due time the city can be held to."""
import dataclasses
import json

from nameko import config
from nameko.timer import timer
from nameko.web.handlers import http

from services.routing import handlers, retention, triage_desk
from services.routing.dependencies import JurisdictionProvider
from shared import observability
from shared.internal_api import RequestRefused, ServiceAuth, json_text
from shared.roles import PermissionDenied
from shared.messaging.entrypoints import reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider
from shared.retention import erase_expired, retention_policy
from shared.structured_logging import LogContext, configure

configure("routing")
RETENTION = retention_policy(config)
JSON = {"Content-Type": "application/json"}

ERROR_STATUS = {triage_desk.BadInput: 400, triage_desk.UnknownRequest: 404, triage_desk.Conflict: 409,
                PermissionDenied: 403}


def _answer(action):
    """Run a staff API action; its known errors become 4xx with {"error": why}, never a 500.

    Refusals of the request itself: 401 without a good service token, 403 when it acts for no staff
    member, 413 for a body too large, 415 for one that is not JSON.
    """
    try:
        return 200, JSON, json.dumps(action())
    except tuple(ERROR_STATUS) as exc:
        return ERROR_STATUS[type(exc)], JSON, json.dumps({"error": str(exc)})
    except RequestRefused as refused:
        return refused.status, JSON, json.dumps({"error": str(refused)})


class RoutingService:
    name = "routing"

    uow = UnitOfWorkProvider()
    jurisdiction = JurisdictionProvider()
    log_context = LogContext()
    http_metrics = observability.HttpMetrics()
    service_auth = ServiceAuth()

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
            handlers.survey_responded(uow, event, self.jurisdiction)

    # -- the staff API (intake's console, with a service token): every endpoint checks it ------
    @http("GET", "/api/triage")
    def get_triage(self, request):
        def read():
            self.service_auth.caller(request)
            with self.uow() as uow:
                return {"triage": triage_desk.triage_list(uow.session)}
        return _answer(read)

    @http("GET", "/api/follow-ups")
    def get_follow_ups(self, request):
        """Closed requests whose reporter said the problem was not fixed, waiting for staff (with their comment)."""
        def read():
            self.service_auth.caller(request)
            with self.uow() as uow:
                return {"follow_ups": triage_desk.follow_up_list(uow.session)}
        return _answer(read)

    @http("POST", "/api/requests/<string:service_request_id>/followed-up")
    def followed_up(self, request, service_request_id):
        """Staff followed up a "not fixed" answer: {"reason"} (what they did)."""
        return self._staff_action(request, service_request_id, triage_desk.followed_up, needs_department=False)

    @http("POST", "/api/requests/<string:service_request_id>/reopen")
    def reopen(self, request, service_request_id):
        """Reopen a closed request: {"reason"}; RequestReopened names the staff member of the service token."""
        return self._staff_action(request, service_request_id, triage_desk.reopen_request, needs_department=False)

    @http("GET", "/api/requests/<string:service_request_id>")
    def get_decision(self, request, service_request_id):
        """Why a request went where it went: outcome, rule, explanation, who and when (and the survey comment)."""
        def read():
            self.service_auth.caller(request)
            with self.uow() as uow:
                return triage_desk.decision_record(uow.session, service_request_id)
        return _answer(read)

    @http("POST", "/api/requests/<string:service_request_id>/route")
    def route_by_hand(self, request, service_request_id):
        """Route a triaged request, or re-route one: {"department", "reason"[, "priority"]}."""
        return self._staff_action(request, service_request_id, triage_desk.route_by_hand, needs_department=True)

    @http("POST", "/api/requests/<string:service_request_id>/not-duplicate")
    def not_a_duplicate(self, request, service_request_id):
        """Un-mark a false duplicate: {"reason"}; the rules route it as a request of its own."""
        return self._staff_action(request, service_request_id, triage_desk.not_a_duplicate, needs_department=False)

    def _staff_action(self, request, service_request_id, act, needs_department):
        """The staff member acting is the one the service token names, never one the body names."""
        def run():
            caller = self.service_auth.caller(request)
            action = dataclasses.replace(
                triage_desk.read_staff_action(json_text(request), caller.acting_staff(), needs_department),
                role=caller.role)
            with self.uow() as uow:
                return act(uow, self.jurisdiction, service_request_id, action)
        return _answer(run)

    @http("GET", "/metrics")
    def metrics(self, request):
        """Prometheus metrics: process, events, HTTP, outbox and inbox (see shared/observability.py)."""
        return observability.response(self.name, self.uow)

    @timer(interval=RETENTION.check_seconds)
    def erase_expired_personal_data(self):
        """Personal data of requests closed longer ago than the retention is erased (shared/retention.py)."""
        erase_expired(self.uow, retention.erase_batch, RETENTION, self.name)

    @http("GET", "/health")
    def health(self, request):
        """200 "ok", or 503 with what the service waits for (its broker, its database)."""
        status, body = self.uow.readiness.health()
        return status, JSON, json.dumps(body)
