"""The intake service: Open311 GeoReport v2, and the public record of every request."""
import json
from datetime import datetime, timezone

import structlog
from nameko import config
from nameko.timer import timer
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.intake import public_record, retention, store
from services.intake.channels import entrypoints as channels
from services.intake.dependencies import JurisdictionProvider
from services.intake.open311.access import check_api_key, check_jurisdiction
from services.intake.open311.catalog_documents import service_definition_document, services_document
from services.intake.open311.discovery import discovery_document
from services.intake.open311.errors import Open311Error
from services.intake.open311.locale import requested_language
from services.intake.open311.nearest_address import with_nearest_address
from services.intake.open311.params import decode_params
from services.intake.open311.resources import allowed_methods, check_method
from services.intake.open311.parsing import parse_new_request
from services.intake.open311.openapi import openapi_json
from services.intake.open311.queries import flag, parse_request_query
from services.intake.open311.rendering import created_document, requests_document, tokens_document
from services.intake.open311.responses import answer_query, error_response
from services.intake.web import entrypoints as web
from shared import observability
from shared.messaging.entrypoints import apply_batch, reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider
from shared.production import open311_endpoint_type
from shared.retention import erase_expired, retention_policy
from shared.structured_logging import LogContext, configure

configure("intake")
RETENTION = retention_policy(config)
log = structlog.get_logger("city311.intake")
MAX_BODY_BYTES = 2_000_000
FORM_TYPE = "application/x-www-form-urlencoded"
# On every Open311 answer: CORS, and nosniff so no browser reads a JSON or XML answer as a page or a script.
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type", "X-Content-Type-Options": "nosniff"}


def posted_form(request):
    """The POSTed form, read strictly as UTF-8; at most MAX_BODY_BYTES, whether sent whole or chunked."""
    if request.mimetype not in ("", FORM_TYPE):
        raise Open311Error.bad_request(f"send POST requests as {FORM_TYPE}, not {request.mimetype}")
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise Open311Error.bad_request(f"the request body is larger than {MAX_BODY_BYTES:,} bytes")
    # werkzeug reads no body without a Content-Length; the server's input decodes chunked bodies.
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    body = (request.environ["wsgi.input"] if chunked else request.stream).read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise Open311Error.bad_request(f"the request body is larger than {MAX_BODY_BYTES:,} bytes")
    return decode_params(body)


class IntakeService(web.WebPages, channels.ChannelIntake):
    name = "intake"

    uow = UnitOfWorkProvider()
    jurisdiction = JurisdictionProvider()
    log_context = LogContext()
    http_metrics = observability.HttpMetrics()

    # -- Open311 over HTTP -------------------------------------------------------------
    @http("GET", "/open311/discovery.<string:fmt>")
    def discovery(self, request, fmt):
        return self._respond(request, f"discovery.{fmt}", f"discovery.{fmt}",
                             lambda stem, params: self._discovery(request))

    @http("GET", "/open311/v2/<path:path>")
    def get_resource(self, request, path):
        return self._respond(request, f"v2/{path}", path, lambda stem, params: self._read(request, stem, params))

    @http("POST", "/open311/v2/<path:path>")
    def post_resource(self, request, path):
        def build(stem, params):
            check_method(f"v2/{path}", "POST")
            form = posted_form(request)
            form.update((k, v) for k, v in params.items(multi=True) if k not in form)
            return self._file(form)
        return self._respond(request, f"v2/{path}", path, build)

    @http("GET", "/open311/openapi.json")
    def openapi(self, request):
        return Response(openapi_json(request.host_url.rstrip("/")), status=200,
                        headers={**CORS, "Content-Type": "application/json"})

    @http("OPTIONS", "/open311/<path:path>")
    def preflight(self, request, path):
        return 204, CORS, ""

    @http("GET,POST,PUT,PATCH,DELETE", "/open311/")
    @http("GET,POST,PUT,PATCH,DELETE", "/open311/<path:path>")
    def elsewhere(self, request, path=""):
        """Anything else under /open311/: an Open311 404 or 405, never the web server's HTML page."""
        def build(stem, params):
            check_method(path, request.method)
            raise Open311Error.not_found(f"no such resource: {path}")
        return self._respond(request, path, path, build)

    def _respond(self, request, resource, path, build):
        try:
            status, body, content_type = answer_query(path, request.query_string, build)
        except Exception:
            log.exception("unexpected error serving Open311", path=path)
            status, body, content_type = error_response(
                Open311Error(500, 500, "internal error; the request was not processed"), "json")
        headers = {**CORS, "Content-Type": content_type}
        if status == 405:
            headers["Allow"] = ", ".join((*allowed_methods(resource), "OPTIONS"))
        return Response(body, status=status, headers=headers)

    def _discovery(self, request):
        return discovery_document(f"{request.host_url}open311/v2/", self.jurisdiction.changeset,
                                  "311 (sample data)", request.host_url, open311_endpoint_type())

    def _read(self, request, stem, params):
        j = self.jurisdiction
        check_jurisdiction(params, j.jurisdiction_id)
        if stem == "discovery":
            return self._discovery(request)
        if stem == "services":
            return services_document(j.catalog.in_language(requested_language(params, request.accept_languages)))
        if stem.startswith("services/"):
            catalog = j.catalog.in_language(requested_language(params, request.accept_languages))
            return service_definition_document(catalog.require(stem.split("/", 1)[1]))
        if stem == "requests":
            query = parse_request_query(params, datetime.now(timezone.utc), j.timezone)
            with self.uow() as uow:
                rows = [store.public_view(r) for r in store.search(uow.session, query)]
            return requests_document(rows, query.extensions, j.timezone)
        if stem.startswith("requests/"):
            return self._one_request(stem.split("/", 1)[1], params)
        if stem.startswith("tokens/"):
            return self._token(stem.split("/", 1)[1])
        raise Open311Error.not_found(f"no such resource: {stem}")

    def _one_request(self, service_request_id, params):
        extensions = flag(params, "extensions")
        with self.uow() as uow:
            rows = [store.public_view(r) for r in store.by_ids(uow.session, [service_request_id])]
        if not rows:
            raise Open311Error.not_found(f"no service request {service_request_id}")
        return requests_document(rows, extensions, self.jurisdiction.timezone)

    def _token(self, token):
        with self.uow() as uow:
            row = store.by_token(uow.session, token)
            if row is None:
                raise Open311Error.not_found(f"no such token: {token}")
            return tokens_document(token, row.service_request_id)

    def _file(self, params):
        j = self.jurisdiction
        application = check_api_key(params, j.api_keys)
        new = with_nearest_address(parse_new_request(params, j.catalog, j.jurisdiction_id, j.timezone), j.gazetteer)
        service = j.catalog.require(new.service_code)
        with self.uow() as uow:
            record = store.file_request(uow, new, service, j.jurisdiction_id, channel=application,
                                        application=application)
            service_request_id, token = record.service_request_id, record.token
        structlog.contextvars.bind_contextvars(correlation_id=service_request_id)
        log.info("service request accepted", service_code=new.service_code, channel=application)
        return created_document(service_request_id, "Thank you. Track your request with its number.", token)

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
        return status, {"Content-Type": "application/json"}, json.dumps(body)

    # -- the public record, from the bus ----------------------------------------------
    @reliable_event_handler("routing", "RequestRouted", batch=True)
    def on_request_routed(self, events):
        apply_batch(self.uow, events, public_record.routed)

    @reliable_event_handler("routing", "RequestDuplicateDetected", batch=True)
    def on_duplicate_detected(self, events):
        apply_batch(self.uow, events, public_record.duplicate)

    @reliable_event_handler("routing", "RequestNeedsTriage", batch=True)
    def on_needs_triage(self, events):
        apply_batch(self.uow, events, public_record.needs_triage)

    @reliable_event_handler("workorders", "WorkOrderCreated", batch=True)
    def on_work_order_created(self, events):
        apply_batch(self.uow, events, public_record.work_order_created)

    @reliable_event_handler("workorders", "WorkOrderUpdated", batch=True)
    def on_work_order_updated(self, events):
        apply_batch(self.uow, events, public_record.work_order_updated)

    @reliable_event_handler("workorders", "WorkOrderClosed", batch=True)
    def on_work_order_closed(self, events):
        apply_batch(self.uow, events, public_record.work_order_closed)
