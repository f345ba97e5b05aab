"""The metrics service: facts, measures, the analysts' stream, dashboards, Prometheus and open data."""
import json
from datetime import datetime, timezone

import structlog
from nameko import config
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.metrics import api, dashboard, export, facts, prometheus, queries, stream, web
from services.metrics.dependencies import HandlerHealth, JurisdictionGeography, MetricsStream, configured_timer
from services.metrics.queries import InvalidQuery
from shared import observability
from shared.messaging.entrypoints import apply_batch, reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider
from shared.structured_logging import LogContext, configure

configure("metrics")
log = structlog.get_logger("city311.metrics")
JSON = "application/json"
DOCUMENTS = {
    "overview": api.overview, "volumes": api.volumes, "timings": api.timings,
    "service-levels": api.service_levels, "quality": api.quality, "equity": api.equity,
    "backlog": api.backlog, "overdue": api.overdue, "map": api.open_requests_map,
    "geography": api.geography, "options": api.options,
}


class MetricsService:
    name = "metrics"

    uow = UnitOfWorkProvider()
    geography = JurisdictionGeography()
    stream_queue = MetricsStream()
    health_counters = HandlerHealth()
    log_context = LogContext()
    http_metrics = observability.HttpMetrics()

    # -- facts from every event (never ReporterContactRecorded: it carries personal data) ----------
    # Batch handlers: the events waiting in a queue are folded in one transaction (group commit); the
    # result is each event's outcome, counted by HandlerHealth.
    def _record(self, events, fold=facts.record):
        return ["applied" if folded is not None else "duplicate" for folded in apply_batch(self.uow, events, fold)]

    @reliable_event_handler("intake", "RequestCreated", batch=True)
    def on_request_created(self, events):
        return self._record(events)

    @reliable_event_handler("intake", "InformationRequestLogged", batch=True)
    def on_information_logged(self, events):
        return self._record(events, facts.record_information)

    @reliable_event_handler("intake", "RequestStatusChanged", batch=True)
    def on_status_changed(self, events):
        return self._record(events)

    @reliable_event_handler("routing", "RequestRouted", batch=True)
    def on_request_routed(self, events):
        return self._record(events)

    @reliable_event_handler("routing", "RequestDuplicateDetected", batch=True)
    def on_duplicate_detected(self, events):
        return self._record(events)

    @reliable_event_handler("routing", "RequestNeedsTriage", batch=True)
    def on_needs_triage(self, events):
        return self._record(events)

    @reliable_event_handler("workorders", "WorkOrderCreated", batch=True)
    def on_work_order_created(self, events):
        return self._record(events)

    @reliable_event_handler("workorders", "WorkOrderUpdated", batch=True)
    def on_work_order_updated(self, events):
        return self._record(events)

    @reliable_event_handler("workorders", "WorkOrderClosed", batch=True)
    def on_work_order_closed(self, events):
        return self._record(events)

    @reliable_event_handler("workorders", "WorkOrderFailed", batch=True)
    def on_work_order_failed(self, events):
        return self._record(events)

    @reliable_event_handler("notifications", "NotificationSent", batch=True)
    def on_notification_sent(self, events):
        return self._record(events)

    @reliable_event_handler("notifications", "NotificationFailed", batch=True)
    def on_notification_failed(self, events):
        return self._record(events)

    @reliable_event_handler("notifications", "SurveyResponded", batch=True)
    def on_survey_responded(self, events):
        return self._record(events)

    # -- measure updates on the stream ---------------------------------------------------------------
    @configured_timer("STREAM_MEASURES_SECONDS", 60)
    def emit_measures(self):
        """Put the current measures on the stream, when any fact changed since the last update: once a period,
        by whichever instance claims the period first (stream.claim_measures)."""
        now = datetime.now(timezone.utc)
        with self.uow() as uow:
            if stream.claim_measures(uow.session, now, float(config.get("STREAM_MEASURES_SECONDS", 60)),
                                     queries.last_change(uow.session)):
                stream.record(uow, "measures", api.measures_update(uow.session, self._ask({})))

    # -- HTTP -------------------------------------------------------------------------------------------
    @http("GET", "/api/<string:name>")
    def get_document(self, request, name):
        if name not in DOCUMENTS:
            return _json({"error": f"no endpoint /api/{name}", "endpoints": sorted(DOCUMENTS)}, 404)
        return self._answer(request, DOCUMENTS[name])

    @http("GET", "/api/summary")
    def get_summary(self, request):
        with self.uow() as uow:
            return _json(queries.summary(uow.session))

    @http("GET", "/api/requests/<string:service_request_id>")
    def get_request_fact(self, request, service_request_id):
        with self.uow() as uow:
            fact = queries.request_fact(uow.session, service_request_id)
            body = facts.document(fact) if fact is not None else None
        if body is None:
            return _json({"error": f"no facts for request {service_request_id}"}, 404)
        return _json(body)

    @http("GET", "/api/export.<string:fmt>")
    def get_export(self, request, fmt):
        """The open-data export (export.py), streamed: parameters are checked here, rows are read and written
        as the client takes them, in a unit of work of their own (this worker's has ended by then)."""
        if fmt not in ("csv", "json"):
            return _json({"error": f"export comes as .csv or .json, not .{fmt}"}, 404)
        place = self.geography
        try:
            selection = queries.parse_export(request.args.to_dict(), place.timezone, datetime.now(timezone.utc),
                                             place.areas("district"))
        except InvalidQuery as exc:
            return _json({"error": str(exc)}, 400)
        meta = _export_meta(selection)
        return Response(_exported(self.uow, selection, fmt, place, meta), status=200,
                        headers={"Content-Disposition": f'attachment; filename="{_export_name(selection)}.{fmt}"'},
                        content_type="text/csv; charset=utf-8" if fmt == "csv" else JSON)

    @http("GET", "/api/export/datapackage.json")
    def get_datapackage(self, request):
        """The Frictionless Data Package describing /api/export.csv (docs/open-data.md)."""
        return _json(export.datapackage(request.host_url + "api/export.csv"))

    @http("GET", "/metrics")
    def get_metrics(self, request):
        """Every service's metrics (shared/observability.py) and the business measures of the facts."""
        return observability.response(self.name, self.uow, prometheus.facts_source)

    @http("GET", "/")
    def get_dashboard(self, request):
        """The dashboard in the visitor's language (dashboard.py): it varies with the cookie and Accept-Language."""
        language = dashboard.choose_language(request)
        page = dashboard.dashboard().render(language, dashboard.page_path(request))
        return Response(page, status=200, content_type="text/html; charset=utf-8", headers={
            **web.HEADERS, "Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language",
            "Content-Language": language})

    @http("GET", "/language/<string:language>")
    def set_language(self, request, language):
        """The language switch: remember the choice in the `lang` cookie and go back to the page."""
        try:
            chosen, target = dashboard.switch(language, request.args.get("next"))
        except dashboard.UnknownLanguage as exc:
            return Response(str(exc), status=404, content_type="text/plain; charset=utf-8", headers=web.HEADERS)
        response = Response(status=303, headers={"Location": target, **web.HEADERS})
        response.set_cookie(dashboard.COOKIE, chosen, max_age=dashboard.COOKIE_SECONDS, path="/", httponly=True,
                            samesite="Lax")
        return response

    @http("GET", "/static/<string:name>")
    def get_static(self, request, name):
        return self._file(web.static_file, name)

    @http("GET", "/static/vendor/<string:name>")
    def get_vendor(self, request, name):
        return self._file(web.vendor_file, name)

    @http("GET", "/health")
    def health(self, request):
        """200 "ok", or 503 with what the service waits for (its broker, its database)."""
        status, body = self.uow.readiness.health()
        return _json(body, status)

    def _ask(self, args):
        return api.Ask(args, self.geography, datetime.now(timezone.utc))

    def _answer(self, request, document):
        try:
            with self.uow() as uow:
                body = document(uow.session, self._ask(request.args.to_dict()))
        except InvalidQuery as exc:
            return _json({"error": str(exc)}, 400)
        return _json(body)

    def _file(self, read, name):
        try:
            body, content_type = read(name)
        except web.Missing as exc:
            log.warning("dashboard file missing", error=str(exc))
            return Response(str(exc), status=404, content_type="text/plain; charset=utf-8", headers=web.HEADERS)
        return Response(body, status=200, content_type=content_type, headers={**web.HEADERS, "Cache-Control": "no-cache"})


def _exported(uow_factory, selection, fmt, place, meta):
    with uow_factory() as uow:
        rows = queries.export_rows(uow.session, selection, export.COLUMNS)
        chunks = export.csv_chunks(rows, place) if fmt == "csv" else export.json_chunks(rows, place, meta)
        for chunk in chunks:
            yield chunk.encode()


def _export_meta(selection):
    filters = selection.filters
    period = {"from": filters.start.isoformat(), "to": filters.end.isoformat()} if selection.period else None
    return {"period": period, "updated_after": selection.updated_after and selection.updated_after.isoformat(),
            "department": filters.department, "district": filters.district,
            "generated_at": datetime.now(timezone.utc).isoformat()}


def _export_name(selection):
    if not selection.period:
        return f"city311-requests-updated-after-{selection.updated_after:%Y-%m-%dT%H%M%S}"
    return f"city311-requests-{selection.filters.start.date()}-{selection.filters.end.date()}"


def _json(body, status=200):
    return Response(json.dumps(body), status=status, content_type=JSON)
