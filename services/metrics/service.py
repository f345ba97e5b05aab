"""The metrics service: facts, measures and Prometheus metrics of how well the city is doing."""
import json

from nameko.web.handlers import http
from prometheus_client import CONTENT_TYPE_LATEST

from services.metrics import facts, measures, prometheus
from shared.messaging.entrypoints import reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider
from shared.structured_logging import LogContext, configure

configure("metrics")
JSON = {"Content-Type": "application/json"}


class MetricsService:
    name = "metrics"

    uow = UnitOfWorkProvider()
    log_context = LogContext()

    def _record(self, event):
        with self.uow() as uow:
            facts.record(uow, event)

    @reliable_event_handler("intake", "RequestCreated")
    def on_request_created(self, event):
        self._record(event)

    @reliable_event_handler("intake", "InformationRequestLogged")
    def on_information_logged(self, event):
        with self.uow() as uow:
            facts.record_information(uow, event)

    @reliable_event_handler("routing", "RequestRouted")
    def on_request_routed(self, event):
        self._record(event)

    @reliable_event_handler("routing", "RequestDuplicateDetected")
    def on_duplicate_detected(self, event):
        self._record(event)

    @reliable_event_handler("routing", "RequestNeedsTriage")
    def on_needs_triage(self, event):
        self._record(event)

    @reliable_event_handler("workorders", "WorkOrderCreated")
    def on_work_order_created(self, event):
        self._record(event)

    @reliable_event_handler("workorders", "WorkOrderUpdated")
    def on_work_order_updated(self, event):
        self._record(event)

    @reliable_event_handler("workorders", "WorkOrderClosed")
    def on_work_order_closed(self, event):
        self._record(event)

    @reliable_event_handler("workorders", "WorkOrderFailed")
    def on_work_order_failed(self, event):
        self._record(event)

    @reliable_event_handler("notifications", "NotificationSent")
    def on_notification_sent(self, event):
        self._record(event)

    @http("GET", "/api/summary")
    def get_summary(self, request):
        with self.uow() as uow:
            return 200, JSON, json.dumps(measures.summary(uow.session))

    @http("GET", "/api/requests/<string:service_request_id>")
    def get_request_fact(self, request, service_request_id):
        with self.uow() as uow:
            fact = measures.request_fact(uow.session, service_request_id)
        if fact is None:
            return 404, JSON, json.dumps({"error": f"no facts for request {service_request_id}"})
        return 200, JSON, json.dumps(fact)

    @http("GET", "/metrics")
    def get_metrics(self, request):
        with self.uow() as uow:
            return 200, {"Content-Type": CONTENT_TYPE_LATEST}, prometheus.exposition(uow.session)

    @http("GET", "/health")
    def health(self, request):
        return 200, JSON, '{"status": "ok"}'
