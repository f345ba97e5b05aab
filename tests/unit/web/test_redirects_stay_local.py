"""After a language switch or a sign-in, the browser goes back to a page of this site, never to another."""
from urllib.parse import quote

import pytest

from services.intake.web.page import safe_next
from tests.unit.web.harness import DEMO_PASSWORD, web_client

ELSEWHERE = ["//evil.example", "/%09/evil.example", "/%0a/evil.example", "/%0d/evil.example", "/%00/evil.example",
             "/%7f/evil.example", "/%20/evil.example", "/\\evil.example", "/%5c%5cevil.example",
             "https://evil.example", "evil.example", "%09//evil.example", "///evil.example", "/\t/evil.example"]


@pytest.fixture
def web(tmp_path):
    return web_client(tmp_path)


def location_host(response):
    """Where a browser would go: it drops tabs, newlines and spaces, and reads a backslash as a slash."""
    location = "".join(c for c in response.headers["Location"] if c > " " and c != "\x7f").replace("\\", "/")
    return location.split("//", 1)[1].split("/", 1)[0] if location.startswith("//") or "://" in location else ""


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_language_switch_never_sends_the_browser_to_another_site(web, target):
    client, _ = web
    response = client.get(f"/language/es?next={target}")
    assert response.status_code == 303
    assert response.headers["Location"] in ("/", "http://localhost/"), response.headers["Location"]
    assert location_host(response) in ("", "localhost")


@pytest.mark.parametrize("target", ELSEWHERE)
def test_signing_in_never_sends_the_browser_to_another_site(web, target):
    client, _ = web
    from urllib.parse import unquote
    response = client.form_post("/console/signin", "/console/signin",
                                {"username": "ana", "password": DEMO_PASSWORD, "next": unquote(target)})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/console") and location_host(response) in ("", "localhost")


@pytest.mark.parametrize("target", ["/report/POTHOLE", "/console/triage?routed=26-0000001", "/track/26-0000001",
                                    "/report?q=" + quote("pot hole")])
def test_a_local_path_is_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [None, "", "/\u2028/evil.example", "/\u00a0/evil.example"])
def test_nothing_or_unusual_whitespace_falls_back_to_the_default(target):
    assert safe_next(target, "/console") == "/console"
