"""One page view: the request, the visitor's language, the signed-in staff member, cookies and rendering."""
import hashlib
import json
import secrets

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from services.intake.web.i18n import COOKIE as LANGUAGE_COOKIE
from services.intake.web.i18n import choose_language
from shared.redirects import local_path as safe_next
from shared import roles
from shared.i18n import local_datetime

VISITOR_COOKIE = "c311_visitor"
STAFF_COOKIE = "c311_staff"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


class Page:
    """Built by the entrypoint for each request; handlers read from it and answer through it."""

    def __init__(self, request, site, jurisdiction, uow):
        self.request, self.site, self.jurisdiction, self.uow = request, site, jurisdiction, uow
        self.lang = choose_language(request)
        self._translations = site.translations[self.lang]
        self.staff = None
        self.staff_token = request.cookies.get(STAFF_COOKIE)
        self._visitor = request.cookies.get(VISITOR_COOKIE)
        self._cookies = []

    @property
    def form(self):
        return self.request.form

    @property
    def args(self):
        return self.request.args

    @property
    def catalog(self):
        """The service catalog in the visitor's language (the jurisdiction's translations, else English)."""
        return self.jurisdiction.catalog.in_language(self.lang)

    # -- CSRF: tokens are bound to the staff session, or to an anonymous visitor cookie -----
    def _binding(self):
        if self.staff is not None:
            return "staff:" + hashlib.sha256(self.staff_token.encode()).hexdigest()
        if not self._visitor:
            self._visitor = secrets.token_urlsafe(24)
            self.set_cookie(VISITOR_COOKIE, self._visitor, max_age=30 * 24 * 3600)
        return "visitor:" + self._visitor

    def csrf_token(self):
        return self.site.csrf.issue(self._binding())

    def csrf_ok(self):
        return self.site.csrf.valid(self.form.get("csrf_token"), self._binding())

    def gettext(self, message, **values):
        """`message` (an English msgid) in the visitor's language, its %(name)s placeholders filled."""
        text = self._translations.gettext(message)
        return text % values if values else text

    def local_time(self, value, date_format="medium"):
        """A datetime as the visitor reads it: in the jurisdiction's zone, with the zone, in their language."""
        return local_datetime(value, self.jurisdiction.timezone, self.lang, date_format)

    def can(self, permission):
        """True when the signed-in staff member's role has `permission` (shared/roles.py): pages show only
        what the role may use (the entrypoints enforce it)."""
        return self.staff is not None and roles.allows(self.staff.role, permission)

    # -- answers -----------------------------------------------------------------------
    def set_cookie(self, name, value, max_age=None, path="/"):
        self._cookies.append((name, value, max_age, path))

    def render(self, template, status=200, **context):
        body = self.site.templates[self.lang].get_template(template).render(
            lang=self.lang, local_time=self.local_time, staff=self.staff, csrf_token=self.csrf_token, site=self.site,
            can=self.can, request=self.request, path=self.request.full_path.rstrip("?"), **context)
        return self.finish(Response(body, status=status, content_type="text/html; charset=utf-8"))

    def json(self, data, status=200):
        return self.finish(Response(json.dumps(data), status=status, content_type="application/json"))

    def redirect(self, location):
        return self.finish(redirect(location, code=303))

    def finish(self, response):
        for name, value, max_age, path in self._cookies:
            if value is None:
                response.delete_cookie(name, path=path)
            else:
                response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite="Lax",
                                    secure=self.site.settings.secure_cookies)
        response.headers.update(SECURITY_HEADERS)
        if self.staff is not None or self.request.path.startswith("/console"):
            response.headers["Cache-Control"] = "no-store"
        return response


__all__ = ["LANGUAGE_COOKIE", "Page", "STAFF_COOKIE", "safe_next"]
