"""End-to-end web tests: intake as a real process on its own vhost, driven by headless Debian chromium.

Only intake runs; what other services would do is published on the bus by the
test itself (tests/support/bus.publish_raw), and the routing API the triage page
calls is left unanswered on purpose, except while a test serves a stand-in there.
"""
import os

import pytest

from shared.persistence.migrations import upgrade
from tests.support.broker import isolated_vhost
from tests.support.processes import free_port, nameko_process
from tests.support.system import FAST



@pytest.fixture(scope="session")
def intake(tmp_path_factory):
    """Intake alone, on a fresh vhost and SQLite database: `.url(path)`, `.amqp_uri`."""
    workdir = tmp_path_factory.mktemp("e2e-intake")
    with isolated_vhost() as uri:
        port, database, routing_port = free_port(), f"sqlite:///{workdir}/intake.sqlite", free_port()
        env = dict(os.environ, **FAST, AMQP_URI=uri, INTAKE_DATABASE_URL=database,
                   INTAKE_HTTP_ADDRESS=f"127.0.0.1:{port}", INTAKE_UPLOAD_DIR=str(workdir / "uploads"),
                   INTAKE_WEB_SECRET_KEY="e2e-secret", ROUTING_URL=f"http://127.0.0.1:{routing_port}",
                   INTAKE_PUBLIC_URL=f"http://127.0.0.1:{port}",   # photos' media_url
                   # the operations console's readiness column: intake itself; the rest are not running here
                   INTAKE_URL=f"http://127.0.0.1:{port}", WORKORDERS_URL="http://127.0.0.1:9",
                   NOTIFICATIONS_URL="http://127.0.0.1:9", METRICS_URL="http://127.0.0.1:9")
        upgrade("intake", database)     # intake declares its own queues as it starts
        process = nameko_process("intake", env, port, workdir).start()
        process.amqp_uri = uri
        process.routing_port = routing_port     # nothing answers there unless a test serves a stand-in
        process.url = lambda path: f"http://127.0.0.1:{port}{path}"
        try:
            yield process
        finally:
            process.stop()


@pytest.fixture
def page(browser):
    """A fresh browser context (no cookies) per test, phone-sized unless a test resizes it."""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def sign_in(page, intake, username="ana", password="ana-demo-311!"):
    page.goto(intake.url("/console"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_url("**/console")
