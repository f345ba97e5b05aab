"""Intake's web pages in-process: the real entrypoint methods behind a werkzeug test client.

The routes come from the @http entrypoints themselves, so a page missing from
the mixin is missing here too; dependencies are injected with nameko's
worker_factory (a migrated SQLite database, the sample jurisdiction).
"""
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import yaml
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.testing.services import worker_factory
from sqlalchemy.orm import sessionmaker
from werkzeug.routing import Map, Rule
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from services.intake.dependencies import Jurisdiction
from services.intake.open311.catalog import load_catalog_file
from services.intake.service import IntakeService
from services.intake.web.site import load_site, seed_database
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.unit.web.conftest import SAMPLE

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DEMO_PASSWORD = "ana-demo-311!"


def sample_jurisdiction():
    settings = yaml.safe_load((SAMPLE / "jurisdiction.yaml").read_text())
    return Jurisdiction(settings["jurisdiction_id"], settings["name"], ZoneInfo(settings["timezone"]),
                        settings["api_keys"], load_catalog_file(SAMPLE / "services.yaml"),
                        datetime.now(timezone.utc))


class WebClient(Client):
    """A browser-like client: keeps cookies, and `form_post` sends the page's CSRF token."""

    def form_post(self, form_page, path, data=None, **kw):
        token = CSRF.search(self.get(form_page).get_data(as_text=True)).group(1)
        return self.post(path, data={**(data or {}), "csrf_token": token}, **kw)

    def sign_in(self, username="ana", password=DEMO_PASSWORD):
        response = self.form_post("/console/signin", "/console/signin",
                                  {"username": username, "password": password, "next": "/console"})
        assert response.status_code == 303, response.get_data(as_text=True)
        return response


def web_client(tmp_path, **settings):
    """(client, units-of-work factory) for a fresh intake database holding the sample data."""
    url = f"sqlite:///{tmp_path}/intake.sqlite"
    upgrade("intake", url)
    seed_database(url, SAMPLE)
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)
    uow = lambda: UnitOfWork(sessions, "intake")  # noqa: E731
    site = load_site({"WEB_SECRET_KEY": "test-secret", "UPLOAD_DIR": str(tmp_path / "uploads"),
                      "ROUTING_URL": "http://127.0.0.1:9", **settings}, SAMPLE)
    service = worker_factory(IntakeService, uow=uow, jurisdiction=sample_jurisdiction(), web_site=site)
    rules = [Rule(e.url, methods=[e.method], endpoint=name)
             for name, member in vars(type(service)).items() | _inherited(type(service))
             for e in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ())
             if getattr(e, "url", None) and not e.url.startswith("/open311")]
    url_map = Map(rules)

    def app(environ, start_response):
        request = Request(environ)
        endpoint, values = url_map.bind_to_environ(environ).match()
        response = getattr(service, endpoint)(request, **values)
        if isinstance(response, tuple):
            status, headers, body = response
            response = Response(body, status=status, headers=headers)
        return response(environ, start_response)
    return WebClient(app), uow


def _inherited(cls):
    return {(name, member) for base in cls.__mro__[1:] for name, member in vars(base).items()}
