"""What the pages need, loaded once at start-up: settings, templates, messages, places, departments."""
from dataclasses import dataclass
from pathlib import Path

import structlog
import yaml
from nameko import config
from nameko.extensions import DependencyProvider
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.intake.knowledge import articles
from services.intake.knowledge.search_index import ensure_search_index
from services.intake.web import staff
from services.intake.web.csrf import CsrfTokens
from services.intake.web.district_map import load_district_map
from services.intake.web.gazetteer import Gazetteer
from shared.gazetteer.index import jurisdiction_gazetteer
from services.intake.web.i18n import load_page_translations, page_environments
from services.intake.web.settings import web_settings
from shared.config import project_path
from services.intake.web.signin_throttle import ThrottlePolicy
from shared.internal_api import ServiceTokens
from shared.operations import OperationsSettings
from shared.persistence.engine import make_engine
from shared.persistence.provider import database_address
from shared.readiness import DATABASE, readiness_of

log = structlog.get_logger("city311.intake.web")
HERE = Path(__file__).resolve().parent


@dataclass
class Site:
    settings: object
    templates: dict                   # {language: jinja2 Environment with that language's gettext}
    translations: dict                # {language: babel Translations}, for texts made in Python
    gazetteer: Gazetteer
    district_map: object
    departments: list
    csrf: CsrfTokens
    session_policy: staff.SessionPolicy
    sample_data: bool
    service_tokens: ServiceTokens     # intake's side of the other services' internal APIs
    operations: OperationsSettings    # where the operations console reads queues and services' health
    throttle: ThrottlePolicy = ThrottlePolicy()


def load_site(settings_source, jurisdiction_dir):
    """Build the Site from config values and the jurisdiction's folder."""
    settings = web_settings(settings_source)
    folder = Path(jurisdiction_dir)
    translations = load_page_translations()
    departments = yaml.safe_load((folder / "departments.yaml").read_text(encoding="utf-8"))["departments"]
    jurisdiction = yaml.safe_load((folder / "jurisdiction.yaml").read_text(encoding="utf-8"))
    return Site(settings=settings, templates=page_environments(translations), translations=translations,
                gazetteer=jurisdiction_gazetteer(folder),
                district_map=load_district_map(folder / "districts.geojson"),
                departments=[(d["code"], d["name"]) for d in departments],
                csrf=CsrfTokens(settings.secret_key),
                session_policy=staff.SessionPolicy(settings.session_idle_minutes, settings.session_absolute_hours),
                sample_data=bool(jurisdiction.get("sample_data")),
                service_tokens=ServiceTokens(settings.service_secret, "intake"),
                operations=OperationsSettings.from_config(settings_source))


def seed_database(database_url, jurisdiction_dir):
    """Build the knowledge search index and add the jurisdiction's articles and staff not stored yet."""
    folder = Path(jurisdiction_dir)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            ensure_search_index(connection)
        with Session(engine) as session, session.begin():
            counts = {"articles": 0, "staff": 0}
            if (folder / "knowledge.yaml").exists():
                counts["articles"] = articles.seed(session, articles.load_articles_file(folder / "knowledge.yaml"),
                                                   sample=_is_sample(folder))
            if (folder / "staff.yaml").exists():
                counts["staff"] = staff.seed_accounts(session, folder / "staff.yaml")
        log.info("knowledge base and staff accounts loaded", **counts)
    except IntegrityError:
        log.info("another intake process loaded the knowledge base and staff accounts first")
    finally:
        engine.dispose()


def _is_sample(folder):
    return bool(yaml.safe_load((folder / "jurisdiction.yaml").read_text(encoding="utf-8")).get("sample_data"))


class WebSiteProvider(DependencyProvider):
    """Injects the Site; at start-up loads the knowledge base and staff accounts into the database.

    It loads them once the database answers (the service waits for it, shared/readiness.py);
    /health says "waiting" until they are loaded.
    """

    def setup(self):
        self.folder = project_path(config["JURISDICTION_DIR"])
        self.site = load_site(config, self.folder)
        self.readiness = readiness_of(self.container)
        self.readiness.waiting("web-site", "database", database_address(config["DATABASE_URL"]),
                               "knowledge base and staff accounts not loaded yet")

    def start(self):
        self.container.spawn_managed_thread(self._seed_when_the_database_answers, identifier="seed-database")

    def _seed_when_the_database_answers(self):
        self.readiness.wait_until_ready(DATABASE)
        seed_database(config["DATABASE_URL"], self.folder)
        self.readiness.ready("web-site")

    def get_dependency(self, worker_ctx):
        return self.site
