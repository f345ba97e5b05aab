"""A module's notifications service, its development servers and a tap on the bus, on a vhost of their own,
on SQLite and (when reachable) PostgreSQL."""
import pytest

from tests.integration.notifications.harness import DevServers, NotificationsProcess, database_url
from tests.support.broker import isolated_vhost
from tests.support.bus import BusTap
from tests.support.databases import POSTGRES_ADMIN_URL, postgres_reachable
from tests.support.processes import free_port


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def pytest_generate_tests(metafunc):
    """Every module on SQLite; on PostgreSQL too unless it sets `BACKENDS = ["sqlite"]`."""
    if "stack" in metafunc.fixturenames:
        metafunc.parametrize("backend", getattr(metafunc.module, "BACKENDS", BACKENDS), scope="module")


@pytest.fixture(scope="module")
def stack(request, backend, tmp_path_factory):
    """(service, servers, tap); a module may set `SERVICE_ENV` (a dict, or a function of the workdir)."""
    if backend == "postgresql" and not postgres_reachable():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} (set CITY311_TEST_POSTGRES_URL)")
    workdir = tmp_path_factory.mktemp(f"notifications-{backend}")
    extra = getattr(request.module, "SERVICE_ENV", {})
    extra = extra(workdir) if callable(extra) else extra
    port = free_port()
    servers = DevServers(workdir, f"http://127.0.0.1:{port}/api/sms/inbound")
    try:
        servers.start()
        with isolated_vhost() as uri, database_url(backend, workdir) as url, BusTap(uri) as tap:
            service = NotificationsProcess(uri, url, workdir, servers, port, extra)
            try:
                service.start()
                yield service, servers, tap
            finally:
                service.stop()
    finally:
        servers.stop()       # also when anything above failed: no server outlives its test
