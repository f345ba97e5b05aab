"""Each service's migrations build exactly the tables its models describe, on SQLite and PostgreSQL.

A model changed without a migration (or a migration that drifted from its model) fails here, not on a
city's database at upgrade time.
"""
import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from shared.config import PROJECT_ROOT, SERVICES
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.tables import metadata as messaging_metadata
from tests.integration.conftest import BACKENDS, _require
from tests.support.databases import database_urls

def _metadata(service):
    """Every table the service's code declares: each models.py in its package registers on its Base."""
    package = PROJECT_ROOT / "services" / service
    for path in sorted(package.rglob("models.py")):
        importlib.import_module(".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts))
    return [importlib.import_module(f"services.{service}.models").Base.metadata, messaging_metadata]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("service", SERVICES)
def test_migrated_database_matches_the_models(service, backend, tmp_path):
    _require(backend)
    with database_urls(backend, tmp_path) as urls:
        upgrade(service, urls[service])
        engine = make_engine(urls[service])
        try:
            with engine.connect() as connection:
                differences = compare_metadata(MigrationContext.configure(connection), _metadata(service))
        finally:
            engine.dispose()
    assert differences == []
