"""The running system for routing's end-to-end tests, with Code Enforcement's case system too, so a
request can be re-routed from one running department system to another; crews start paused."""
import pytest
import requests

from tests.integration.conftest import BACKENDS, _require
from tests.support.broker import isolated_vhost
from tests.support.databases import database_urls
from tests.support.system import LEGACY_SYSTEMS, System

DEPARTMENT_SYSTEMS = (*LEGACY_SYSTEMS, "codeenforcement")


@pytest.fixture(scope="module", params=BACKENDS)
def system(request, tmp_path_factory):
    """Every service and four department systems, on a fresh vhost and fresh databases per backend."""
    backend = request.param
    _require(backend)
    workdir = tmp_path_factory.mktemp(f"routing-{backend}")
    with isolated_vhost() as uri, database_urls(backend, workdir) as urls:
        running = System(uri, urls, workdir, legacy=DEPARTMENT_SYSTEMS)
        running.env["CODEENFORCEMENT_WEBHOOK_URL"] = running.url("workorders", "/webhooks/codeenforcement")
        running.amqp_uri, running.backend = uri, backend
        try:
            running.start()
            for name in DEPARTMENT_SYSTEMS:  # work orders stay open until a test moves them
                requests.post(running.url(name, "/admin/crew"), json={"paused": True}, timeout=10).raise_for_status()
            yield running
        finally:
            running.stop()
