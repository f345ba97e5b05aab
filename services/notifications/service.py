"""The notifications service: tells residents what happened to the requests they reported or follow."""
import json
import secrets
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from nameko import config
from nameko.timer import timer
from nameko.web.handlers import http
from werkzeug.wrappers import Response

from services.notifications import dispatch, handlers, listing, retention, subscriptions, surveys
from services.notifications.dependencies import ChannelsProvider, PagesProvider, SettingsProvider
from services.notifications.observability import sending_backlog
from services.notifications.pages import PAGE_HEADERS, VISITOR_COOKIE, choose_language
from shared import observability
from shared.internal_api import JSON_TYPE, MAX_FORM_BYTES, RequestRefused, json_text, limited_body
from shared.messaging.entrypoints import apply_batch, reliable_event_handler
from shared.persistence.provider import UnitOfWorkProvider
from shared.retention import erase_expired, retention_policy
from shared.structured_logging import LogContext, configure

configure("notifications")
RETENTION = retention_policy(config)
HTML = "text/html; charset=utf-8"


def utc_now():
    return datetime.now(timezone.utc)


class NotificationsService:
    name = "notifications"

    uow = UnitOfWorkProvider()
    settings = SettingsProvider()
    channels = ChannelsProvider()
    pages = PagesProvider()
    log_context = LogContext()
    http_metrics = observability.HttpMetrics()

    # -- what happened, from the bus -------------------------------------------------------
    @reliable_event_handler("intake", "ReporterContactRecorded", batch=True)
    def record_contact(self, events):
        apply_batch(self.uow, events, handlers.record_contact, self.settings)

    @reliable_event_handler("intake", "RequestStatusChanged", batch=True)
    def notify_status_change(self, events):
        apply_batch(self.uow, events, handlers.status_changed, self.settings)

    @reliable_event_handler("routing", "RequestRouted", batch=True)
    def note_routing(self, events):
        apply_batch(self.uow, events, handlers.request_routed)

    @reliable_event_handler("routing", "RequestDuplicateDetected", batch=True)
    def join_duplicate(self, events):
        apply_batch(self.uow, events, handlers.duplicate_detected)

    # -- sending, outside any transaction -----------------------------------------------------
    @timer(interval=float(config.get("DISPATCH_SECONDS", 1.0)))
    def dispatch_due(self):
        try:
            dispatch.deliver_until_caught_up(self.uow, self.channels.send, self.settings, utc_now)
        finally:
            self.channels.close()

    # -- HTTP: the API ---------------------------------------------------------------------------
    @http("GET", "/api/requests/<string:service_request_id>/notifications")
    def list_notifications(self, request, service_request_id):
        with self.uow() as uow:
            body = listing.notifications_for(uow.session, service_request_id)
        return _json(200, {"notifications": body})

    @http("GET", "/api/requests/<string:service_request_id>")
    def get_request(self, request, service_request_id):
        with self.uow() as uow:
            body = listing.request_view(uow.session, service_request_id)
        if body is None:
            return _json(404, {"error": f"no request {service_request_id} known to notifications"})
        return _json(200, body)

    @http("POST", "/api/follow")
    def follow_api(self, request):
        """Ask to follow a request (JSON: service_request_id, email|phone, language): 202, and the address
        gets a link to confirm; nothing else is sent there until it is followed."""
        try:
            form = _json_object(json_text(request))
            with self.uow() as uow:
                asked = subscriptions.ask_to_follow(uow, self.settings, form, utc_now())
        except RequestRefused as refused:
            return _json(refused.status, {"error": str(refused)})
        except subscriptions.FollowRefused as refused:
            return _json(refused.status, {"errors": self._errors(refused.errors, "en")})
        return _json(202, {"status": "confirmation_sent", "service_request_id": asked.service_request_id,
                           "channel": asked.channel})

    @http("POST", "/api/sms/inbound")
    def inbound_sms(self, request):
        key = self.settings.sms_inbound_key
        if key and request.headers.get("X-Webhook-Key") != key:
            return _json(401, {"error": "invalid webhook key"})
        try:
            form = _form(request)
        except RequestRefused as refused:
            return _json(refused.status, {"error": str(refused)})
        if not isinstance(form.get("from"), str) or not isinstance(form.get("body"), str):
            return _json(400, {"error": "from and body are required"})
        with self.uow() as uow:
            action = subscriptions.inbound_text(uow, self.settings, form["from"], form["body"], utc_now())
        return _json(200, {"action": action})

    @http("GET", "/metrics")
    def metrics(self, request):
        """Prometheus metrics: process, events, HTTP, outbox and inbox (see shared/observability.py)."""
        return observability.response(self.name, self.uow, sending_backlog)

    @timer(interval=RETENTION.check_seconds)
    def erase_expired_personal_data(self):
        """Personal data of requests closed longer ago than the retention is erased (shared/retention.py)."""
        erase_expired(self.uow, retention.erase_batch, RETENTION, self.name)

    @http("GET", "/health")
    def health(self, request):
        """Up, and the sending backlog: deliveries due now and the oldest one's wait (a storm shows here).

        503 with what the service waits for (its broker, its database) instead, backlog unknown.
        """
        status, body = self.uow.readiness.health()
        if status == 200:
            with self.uow() as uow:
                body.update(dispatch.backlog(uow.session, utc_now()))
        return _json(status, body)

    # -- HTTP: residents' pages ----------------------------------------------------------------
    @http("GET", "/follow")
    def follow_page(self, request):
        language = choose_language(request)
        form = {"service_request_id": request.args.get("request", ""), "language": language}
        return self._follow_form(request, 200, language, form, {})

    @http("POST", "/follow")
    def follow_form(self, request):
        """The form asks to follow; the address gets a link to confirm (a CSRF token guards the form)."""
        try:
            form = _form(request)
        except RequestRefused as refused:
            return _page(refused.status, self.pages.notice(choose_language(request), "too_large"))
        language = choose_language(request, form.get("language"))
        if not self.settings.tokens.form_ok(form.get("csrf_token"), request.cookies.get(VISITOR_COOKIE)):
            return _page(403, self.pages.notice(language, "form_expired"))
        try:
            with self.uow() as uow:
                subscriptions.ask_to_follow(uow, self.settings, form, utc_now())
        except subscriptions.FollowRefused as refused:
            errors = {e["field"]: e["message"] for e in self._errors(refused.errors, language)}
            return self._follow_form(request, refused.status, language, form, errors)
        return _page(200, self.pages.notice(language, "confirm_sent", request_id=form["service_request_id"]))

    @http("GET", "/follow/confirm/<string:token>")
    def confirm_follow_page(self, request, token):
        """The confirmation link: a page with a button (mail scanners open links; only a person presses it)."""
        asked = self.settings.tokens.follow_request(token)
        if asked is None:
            return _page(404, self.pages.notice(choose_language(request), "bad_link"))
        request_id, _, _, language = asked
        return _page(200, self.pages.render("confirm_follow", choose_language(request, language),
                                            request_id=request_id))

    @http("POST", "/follow/confirm/<string:token>")
    def confirm_follow(self, request, token):
        """The confirmation's button: only now is the address subscribed (the token proves it got the link)."""
        language = choose_language(request)
        try:
            with self.uow() as uow:
                subscription = subscriptions.confirm_follow(uow, self.settings, token, utc_now())
                language, request_id = choose_language(request, subscription.language), subscription.service_request_id
        except subscriptions.NoSuchFollowRequest:
            return _page(404, self.pages.notice(language, "bad_link"))
        except subscriptions.FollowRefused as refused:
            return _page(refused.status, self.pages.notice(language, "bad_link"))
        return _page(200, self.pages.notice(language, "followed", request_id=request_id))

    def _follow_form(self, request, status, language, form, errors):
        """The follow form with a CSRF token bound to the browser's visitor cookie (set here when missing)."""
        visitor = request.cookies.get(VISITOR_COOKIE) or secrets.token_urlsafe(24)
        response = _page(status, self.pages.render("follow", language, form=form, errors=errors,
                                                   csrf_token=self.settings.tokens.for_form(visitor)))
        response.set_cookie(VISITOR_COOKIE, visitor, max_age=30 * 86400, httponly=True, samesite="Lax",
                            secure=request.scheme == "https")
        return response

    @http("GET", "/unsubscribe/<string:token>")
    def unsubscribe_page(self, request, token):
        try:
            with self.uow() as uow:
                found = subscriptions.subscription_for(uow.session, self.settings.tokens, token)
                language, request_id = choose_language(request, found.language), found.service_request_id
        except subscriptions.NoSuchSubscription:
            return _page(404, self.pages.notice(choose_language(request), "bad_link"))
        return _page(200, self.pages.render("unsubscribe", language, request_id=request_id))

    @http("POST", "/unsubscribe/<string:token>")
    def unsubscribe(self, request, token):
        """The page's button, and RFC 8058 one-click unsubscribe from mail clients."""
        try:
            with self.uow() as uow:
                found = subscriptions.unsubscribe(uow, self.settings.tokens, token, utc_now())
                language, request_id = choose_language(request, found.language), found.service_request_id
        except subscriptions.NoSuchSubscription:
            return _page(404, self.pages.notice(choose_language(request), "bad_link"))
        return _page(200, self.pages.notice(language, "unsubscribed", request_id=request_id))

    @http("GET", "/survey/<string:token>")
    def survey_page(self, request, token):
        return self._survey(request, token, None)

    @http("POST", "/survey/<string:token>")
    def survey_answer(self, request, token):
        try:
            form = _form(request)
        except RequestRefused as refused:
            return _page(refused.status, self.pages.notice(choose_language(request), "too_large"))
        return self._survey(request, token, form)

    def _survey(self, request, token, form):
        language = choose_language(request)
        try:
            with self.uow() as uow:
                survey = surveys.find(uow.session, self.settings.tokens, token)
                language = choose_language(request, survey.language)
                request_id = survey.service_request_id
                if survey.responded_at is not None:
                    raise surveys.AlreadyAnswered(survey.survey_id)
                if form is not None:
                    surveys.answer(uow, self.settings.tokens, token, form, utc_now())
        except surveys.SurveyNotFound:
            return _page(404, self.pages.notice(language, "bad_link"))
        except surveys.AlreadyAnswered:
            return _page(409 if form is not None else 200, self.pages.notice(language, "already_answered"))
        except surveys.InvalidAnswer as invalid:
            errors = {field: self.pages.error_text(language, code) for field, code in invalid.errors.items()}
            return _page(400, self.pages.render("survey", language, request_id=request_id, form=form,
                                                errors=errors))
        if form is None:
            return _page(200, self.pages.render("survey", language, request_id=request_id, form={}, errors={}))
        return _page(200, self.pages.notice(language, "survey_thanks"))

    def _errors(self, errors, language):
        return [{"field": field, "code": code, "message": self.pages.error_text(language, code)}
                for field, code in errors.items()]


def _form(request):
    """Form fields or a JSON object, whichever the client sent; BodyTooLarge beyond MAX_FORM_BYTES."""
    body = limited_body(request, MAX_FORM_BYTES).decode("utf-8", errors="replace")
    if request.mimetype == JSON_TYPE:
        return _json_object(body)
    return dict(parse_qsl(body, keep_blank_values=True))


def _json_object(text):
    """The JSON object in `text`, or {} (each field is then reported missing)."""
    try:
        body = json.loads(text or "{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _json(status, data):
    return Response(json.dumps(data), status=status, content_type="application/json")


def _page(status, html):
    return Response(html, status=status, content_type=HTML, headers=PAGE_HEADERS)
