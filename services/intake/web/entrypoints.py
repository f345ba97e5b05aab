"""The web pages' nameko entrypoints, as a mixin of IntakeService (which provides `uow` and `jurisdiction`).

Each entrypoint names its page function; `_serve` does what every page shares:
build the Page, require a signed-in staff member on /console, check the CSRF
token of every POST, and turn an unexpected error into a page, never a bare 500.
"""

import structlog
from nameko.web.handlers import http
from werkzeug.exceptions import NotFound, RequestEntityTooLarge
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response

from services.intake.web import (console_pages, knowledge_pages, operations_pages, resident_pages, staff,
                                  staff_pages, triage_pages)
from services.intake.web.page import Page
from services.intake.web.site import HERE, WebSiteProvider
from shared import roles
from shared.i18n import N_

log = structlog.get_logger("city311.intake.web")
MAX_FORM_BYTES = 12_000_000   # above the photo limit, so an oversized photo still comes back with its form
SIGNED_IN = "signed in"       # a console page any signed-in staff member may use (signing out)
EXPIRED_FORM = N_("This form has expired or did not come from this site. Go back, reload the page and send it again.")
TOO_LARGE = N_("What you sent is too large. A photo can be at most 5 MB: go back, choose a smaller photo and send "
               "again.")
UNEXPECTED = N_("Something went wrong on our side and nothing was saved. Please try again in a moment, or call 311.")


class WebPages:
    """Resident pages and the call-taker console on intake's HTTP port."""

    web_site = WebSiteProvider()

    # -- residents ---------------------------------------------------------------------
    @http("GET", "/")
    def page_home(self, request):
        return self._serve(request, resident_pages.home)

    @http("GET", "/report")
    def page_choose_service(self, request):
        return self._serve(request, resident_pages.choose_service)

    @http("GET", "/report/<string:service_code>")
    def page_report_form(self, request, service_code):
        return self._serve(request, resident_pages.report_form, service_code)

    @http("POST", "/report/<string:service_code>")
    def page_report_submit(self, request, service_code):
        return self._serve(request, resident_pages.report_submit, service_code)

    @http("GET", "/track")
    def page_track(self, request):
        return self._serve(request, resident_pages.track)

    @http("GET", "/track/<string:service_request_id>")
    def page_track_request(self, request, service_request_id):
        return self._serve(request, resident_pages.track_request, service_request_id)

    @http("GET", "/media/<string:name>")
    def page_media(self, request, name):
        return self._serve(request, resident_pages.media, name)

    @http("GET", "/addresses")
    def page_addresses(self, request):
        return self._serve(request, resident_pages.addresses)

    @http("GET", "/addresses/nearest")
    def page_nearest_address(self, request):
        return self._serve(request, resident_pages.nearest_address)

    @http("GET", "/language/<string:lang>")
    def page_language(self, request, lang):
        return self._serve(request, resident_pages.set_language, lang)

    @http("GET", "/static/<path:filename>")
    def page_static(self, request, filename):
        try:
            response = send_from_directory(HERE / "static", filename, request.environ)
        except NotFound:
            return Response("no such file", status=404, content_type="text/plain; charset=utf-8")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response

    # -- the call-taker console ----------------------------------------------------------
    @http("GET", "/console/signin")
    def console_signin_form(self, request):
        return self._serve(request, console_pages.signin_form, public=True)

    @http("POST", "/console/signin")
    def console_signin(self, request):
        return self._serve(request, console_pages.signin_submit, public=True)

    @http("POST", "/console/signout")
    def console_signout(self, request):
        return self._serve(request, console_pages.signout, permission=SIGNED_IN)

    @http("GET", "/console")
    def console_call(self, request):
        return self._serve(request, console_pages.call, permission=roles.TAKE_CALLS)

    @http("POST", "/console/answers")
    def console_log_answer(self, request):
        return self._serve(request, console_pages.log_answer, permission=roles.TAKE_CALLS)

    @http("GET", "/console/file")
    def console_choose_service(self, request):
        return self._serve(request, console_pages.choose_service, permission=roles.TAKE_CALLS)

    @http("GET", "/console/file/<string:service_code>")
    def console_file_form(self, request, service_code):
        return self._serve(request, console_pages.file_form, service_code, permission=roles.TAKE_CALLS)

    @http("POST", "/console/file/<string:service_code>")
    def console_file(self, request, service_code):
        return self._serve(request, console_pages.file_submit, service_code, permission=roles.TAKE_CALLS)

    @http("GET", "/console/requests/<string:service_request_id>")
    def console_request(self, request, service_request_id):
        return self._serve(request, console_pages.request_detail, service_request_id, permission=roles.TAKE_CALLS)

    @http("POST", "/console/requests/<string:service_request_id>/not-duplicate")
    def console_not_duplicate(self, request, service_request_id):
        return self._serve(request, triage_pages.not_duplicate, service_request_id, permission=roles.TAKE_CALLS)

    @http("POST", "/console/requests/<string:service_request_id>/reopen")
    def console_reopen(self, request, service_request_id):
        return self._serve(request, triage_pages.reopen, service_request_id, permission=roles.ROUTE_TRIAGED)

    @http("GET", "/console/lookup")
    def console_lookup(self, request):
        return self._serve(request, console_pages.caller_lookup, permission=roles.TAKE_CALLS)

    @http("GET", "/console/triage")
    def console_triage(self, request):
        return self._serve(request, triage_pages.triage, permission=roles.TAKE_CALLS)

    @http("POST", "/console/route")
    def console_route(self, request):
        return self._serve(request, triage_pages.route, permission=roles.ROUTE_TRIAGED)

    @http("POST", "/console/follow-ups/<string:service_request_id>")
    def console_followed_up(self, request, service_request_id):
        return self._serve(request, triage_pages.followed_up, service_request_id, permission=roles.TAKE_CALLS)

    @http("GET", "/console/knowledge")
    def console_knowledge(self, request):
        return self._serve(request, knowledge_pages.article_list, permission=roles.TAKE_CALLS)

    @http("GET", "/console/knowledge/new")
    def console_new_article(self, request):
        return self._serve(request, knowledge_pages.edit_form, permission=roles.EDIT_KNOWLEDGE)

    @http("POST", "/console/knowledge/new")
    def console_add_article(self, request):
        return self._serve(request, knowledge_pages.save, permission=roles.EDIT_KNOWLEDGE)

    @http("GET", "/console/knowledge/<string:slug>")
    def console_article(self, request, slug):
        return self._serve(request, knowledge_pages.edit_form, slug, permission=roles.EDIT_KNOWLEDGE)

    @http("POST", "/console/knowledge/<string:slug>")
    def console_save_article(self, request, slug):
        return self._serve(request, knowledge_pages.save, slug, permission=roles.EDIT_KNOWLEDGE)

    @http("GET", "/console/operations")
    def console_operations(self, request):
        return self._serve(request, operations_pages.overview, permission=roles.WATCH_OPERATIONS)

    @http("GET", "/console/operations/dead-letters/<string:service>/<string:letter_id>")
    def console_dead_letter(self, request, service, letter_id):
        return self._serve(request, operations_pages.dead_letter, service, letter_id,
                           permission=roles.WATCH_OPERATIONS)

    @http("POST", "/console/operations/dead-letters/<string:service>/replay")
    def console_replay_dead_letters(self, request, service):
        return self._serve(request, operations_pages.replay, service, permission=roles.HANDLE_DEAD_LETTERS)

    @http("POST", "/console/operations/dead-letters/<string:service>/discard")
    def console_discard_dead_letter(self, request, service):
        return self._serve(request, operations_pages.discard, service, permission=roles.HANDLE_DEAD_LETTERS)

    @http("GET", "/console/staff")
    def console_staff(self, request):
        return self._serve(request, staff_pages.staff_list, permission=roles.ADMINISTER_STAFF)

    @http("POST", "/console/staff")
    def console_add_staff(self, request):
        return self._serve(request, staff_pages.add, permission=roles.ADMINISTER_STAFF)

    @http("POST", "/console/staff/<string:username>")
    def console_change_staff(self, request, username):
        return self._serve(request, staff_pages.change, username, permission=roles.ADMINISTER_STAFF)

    # -- what every page shares ------------------------------------------------------------
    def _serve(self, request, handler, *args, public=False, permission=None):
        """Serve a page; a console page (unless `public`) needs a signed-in staff member whose role has
        `permission` (shared/roles.py), or SIGNED_IN for any role."""
        request.max_content_length = MAX_FORM_BYTES
        page = Page(request, self.web_site, self.jurisdiction, self.uow)
        try:
            if request.path.startswith("/console") and not public:
                if not self._sign_in(page):
                    if request.method == "POST":
                        return page.render("error.html", status=401, message="Your sign-in has expired. Sign in "
                                           "again, then go back and send the form again.", signin=True)
                    return page.redirect(f"/console/signin?next={request.full_path.rstrip('?')}")
                if refused := self._refused(page, permission):
                    return refused
            if request.method == "POST" and not page.csrf_ok():
                return page.render("error.html", status=403, message=page.gettext(EXPIRED_FORM))
            return handler(page, *args)
        except RequestEntityTooLarge:
            return page.render("error.html", status=413, message=page.gettext(TOO_LARGE))
        except Exception:
            log.exception("unexpected error serving a page", path=request.path)
            return page.render("error.html", status=500, message=page.gettext(UNEXPECTED))

    def _refused(self, page, permission):
        """A 403 page when the staff member's role lacks `permission`, else None (a console page with no
        permission named is refused too: every page must say who may use it)."""
        if permission == SIGNED_IN:
            return None
        try:
            roles.require(page.staff.role, permission)
        except (roles.PermissionDenied, KeyError) as exc:
            if page.request.method == "GET" and page.request.path == "/console":
                return page.redirect(roles.home_page(page.staff.role))    # the operations role's start page
            log.warning("staff action refused by role", staff=page.staff.username, role=page.staff.role,
                        permission=permission, path=page.request.path)
            message = str(exc) if isinstance(exc, roles.PermissionDenied) else "This page names no permission."
            return page.render("error.html", status=403, message=message)
        return None

    def _sign_in(self, page):
        with self.uow() as uow:
            signed = staff.signed_in(uow.session, page.staff_token, self.web_site.session_policy)
            if signed:
                page.staff = signed[0]
        return page.staff is not None
