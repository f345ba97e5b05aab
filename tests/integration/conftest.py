"""Integration fixtures: the real system on a real RabbitMQ, on SQLite and (when reachable) PostgreSQL."""
import functools
import os

import pytest
from sqlalchemy.orm import sessionmaker

from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.support.broker import isolated_vhost
from tests.support.databases import POSTGRES_ADMIN_URL, database_urls, postgres_reachable
from tests.support.system import System

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# The slowest whole-system modules run on one database each in `make test` (alternating, so both engines carry the
# whole system end to end; the races each engine has are tested on both by the database-only modules), and on
# both in `make test-full` (CITY311_TEST_BOTH_DATABASES=1). Without PostgreSQL, they run on SQLite.
ONE_DATABASE = {
    "test_work_orders_more_systems.py": "postgresql", "test_work_orders.py": "sqlite",
    "test_work_orders_reroutes.py": "postgresql", "test_open311_http.py": "sqlite",
    "test_reliability.py": "postgresql", "test_bus_department_switch.py": "sqlite",
    "test_request_lifecycle.py": "postgresql", "test_open311_schemathesis.py": "sqlite",
    "test_routing_outcomes.py": "postgresql", "test_reopen.py": "postgresql",
}


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CITY311_TEST_BOTH_DATABASES"):
        return
    kept, dropped, postgres = [], [], functools.cache(postgres_reachable)
    for item in items:
        chosen = ONE_DATABASE.get(item.path.name)
        if chosen == "postgresql" and not postgres():
            chosen = "sqlite"
        backend = item.callspec.params.get("system") if hasattr(item, "callspec") else None
        (dropped if chosen and backend in ("sqlite", "postgresql") and backend != chosen else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def amqp_uri():
    """A vhost of the session's own."""
    with isolated_vhost() as uri:
        yield uri


def _require(backend):
    if backend == "postgresql" and not postgres_reachable():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} (set CITY311_TEST_POSTGRES_URL)")


@pytest.fixture(params=BACKENDS)
def service_databases(request, tmp_path):
    """`service_databases(service)` → a factory of units of work on that service's freshly migrated database.

    For tests that race real transactions against one service's database, without the system running.
    """
    _require(request.param)
    engines = []
    with database_urls(request.param, tmp_path) as urls:
        def unit_of_work(service):
            upgrade(service, urls[service])
            engines.append(make_engine(urls[service]))
            sessions = sessionmaker(engines[-1], expire_on_commit=False)
            return lambda: UnitOfWork(sessions, service)
        unit_of_work.backend = request.param
        yield unit_of_work
        for engine in engines:
            engine.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def system(request, tmp_path_factory):
    """The whole system, each module and backend on a fresh vhost and fresh databases."""
    backend = request.param
    _require(backend)
    workdir = tmp_path_factory.mktemp(f"system-{backend}")
    with isolated_vhost() as uri, database_urls(backend, workdir) as urls:
        running = System(uri, urls, workdir)
        running.amqp_uri = uri
        running.backend = backend
        try:
            running.start()
            yield running
        finally:
            running.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test shows what every city311 process said last."""
    outcome = yield
    report = outcome.get_result()
    running = item.funcargs.get("system") if hasattr(item, "funcargs") else None
    if report.when == "call" and report.failed and running is not None:
        report.sections.append(("city311 process logs", running.logs()))
