"""Every page answers, in English and Spanish, and staff pages need a sign-in."""
import pytest

from tests.unit.web.harness import web_client


@pytest.fixture
def web(tmp_path):
    return web_client(tmp_path)


def test_resident_pages_answer(web):
    client, _ = web
    for path in ("/", "/report", "/report?q=pothole", "/report/POTHOLE", "/report/BULK_PICKUP", "/track",
                 "/addresses?q=peachtree"):
        assert client.get(path).status_code == 200, path


def test_spanish_is_one_click_away(web):
    client, _ = web
    response = client.get("/language/es?next=/report/POTHOLE")
    assert response.status_code == 303 and response.headers["Location"].endswith("/report/POTHOLE")
    page = client.get("/report/POTHOLE").get_data(as_text=True)
    assert 'lang="es"' in page and "Enviar reporte" in page


def test_staff_pages_send_strangers_to_sign_in(web):
    client, _ = web
    for path in ("/console", "/console/triage", "/console/knowledge", "/console/lookup?q=x"):
        response = client.get(path)
        assert response.status_code == 303 and "/console/signin" in response.headers["Location"], path


def test_console_pages_answer_once_signed_in(web):
    client, _ = web
    client.sign_in("lee", "lee-supervisor-311!")   # a supervisor may use every call-taking page and edit articles
    for path in ("/console", "/console?q=library+hours", "/console/file", "/console/file?q=pothole",
                 "/console/file/POTHOLE", "/console/lookup", "/console/knowledge", "/console/knowledge/new",
                 "/console/knowledge/kb-library-hours", "/console/triage"):
        assert client.get(path).status_code == 200, path
    assert "no-store" in client.get("/console").headers["Cache-Control"]


def test_pages_carry_security_headers(web):
    client, _ = web
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
