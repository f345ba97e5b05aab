"""The dashboard may not be framed, and loads scripts and styles from its own origin only."""
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder

from services.metrics.service import MetricsService


def test_the_dashboard_page_forbids_framing_and_other_origins():
    service = worker_factory(MetricsService)
    page = service.get_dashboard(EnvironBuilder(path="/").get_request())
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    assert page.headers.get("X-Frame-Options") == "DENY"
    assert page.headers.get("X-Content-Type-Options") == "nosniff"
    policy = dict(part.strip().split(" ", 1) for part in page.headers.get("Content-Security-Policy", "").split(";"))
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'" and "unsafe-inline" not in policy.get("script-src", "'self'")


def test_its_scripts_and_a_missing_file_say_nosniff_too():
    service = worker_factory(MetricsService)
    script = service.get_static(EnvironBuilder(path="/static/dashboard.js").get_request(), "dashboard.js")
    missing = service.get_static(EnvironBuilder(path="/static/nope.js").get_request(), "nope.js")
    assert (script.status_code, missing.status_code) == (200, 404)
    assert script.headers.get("X-Content-Type-Options") == missing.headers.get("X-Content-Type-Options") == "nosniff"
