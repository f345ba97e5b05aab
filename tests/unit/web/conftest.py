"""Fixtures for intake's web pages and knowledge base: migrated databases (SQLite, and PostgreSQL when reachable)."""
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from services.intake.knowledge import articles
from services.intake.knowledge.search_index import ensure_search_index
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.support.databases import _admin, _url_for, postgres_reachable
from tests.unit.services.conftest import outbox_events, unit_of_work  # noqa: F401  (fixtures and helpers)

SAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "jurisdictions" / "sample"
ON_A_SUMMER_DAY = date(2026, 8, 20)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def intake_db(request, tmp_path):
    """A factory of units of work on a migrated intake database holding the sample knowledge base."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path}/intake.sqlite", None
    else:
        if not postgres_reachable():
            pytest.skip("PostgreSQL not reachable (set CITY311_TEST_POSTGRES_URL)")
        name = f"c311_web_{uuid.uuid4().hex[:8]}"
        admin = _admin()
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        url, drop = _url_for(name), name
    upgrade("intake", url)
    engine = make_engine(url)
    with engine.begin() as connection:
        ensure_search_index(connection)
    sessions = sessionmaker(engine, expire_on_commit=False)
    factory = lambda: UnitOfWork(sessions, "intake")  # noqa: E731
    with factory() as uow:
        articles.seed(uow.session, articles.load_articles_file(SAMPLE / "knowledge.yaml"), sample=True)
    factory.backend = request.param
    yield factory
    engine.dispose()
    if drop:
        admin = _admin()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{drop}" WITH (FORCE)')
        admin.close()
