"""Intake's smaller holes: nosniff on Open311, a missing static file is a 404, and a photo's media_url
names the configured public address, never the Host header a client sent."""
import io

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select
from werkzeug.test import EnvironBuilder

from services.intake.models import ServiceRequest
from services.intake.service import IntakeService
from tests.unit.web.harness import CSRF, sample_jurisdiction, web_client
from tests.unit.web.test_uploads_and_staff import jpeg_with_gps


@pytest.mark.parametrize("method, path, status", [
    ("get_resource", "services.json", 200), ("get_resource", "services.xml", 200),
    ("get_resource", "requests/26-9999999.json", 404), ("discovery", "json", 200),
    ("elsewhere", "nothing/here", 404), ("post_resource", "requests.json", 403),
])
def test_every_open311_answer_says_nosniff(tmp_path, method, path, status):
    _, uow = web_client(tmp_path)
    service = worker_factory(IntakeService, uow=uow, jurisdiction=sample_jurisdiction())
    request = EnvironBuilder(method="POST" if method.startswith("post") else "GET", path="/open311/v2/x",
                             data={"service_code": "POTHOLE"} if method.startswith("post") else None).get_request()
    response = getattr(service, method)(request, path)
    assert response.status_code == status
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


@pytest.mark.parametrize("path", ["/static/no-such-file.css", "/static/../service.py", "/static/%2e%2e/site.py"])
def test_a_static_file_that_is_not_there_is_a_plain_404(tmp_path, path):
    client, _ = web_client(tmp_path)
    response = client.get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_static_file_that_is_there_is_served(tmp_path):
    client, _ = web_client(tmp_path)
    response = client.get("/static/city311.css")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=3600"


def test_a_photos_address_is_the_configured_public_one_not_the_host_header(tmp_path):
    client, uow = web_client(tmp_path, PUBLIC_BASE_URL="https://311.city.example/")
    forged = {"Host": "evil.example"}
    token = CSRF.search(client.get("/report/POTHOLE", headers=forged).get_data(as_text=True)).group(1)
    filed = client.post("/report/POTHOLE", data={
        "attribute[SIZE]": "small", "address_string": "47 Peachtree St SE", "csrf_token": token,
        "photo": (io.BytesIO(jpeg_with_gps()), "pothole.jpg", "image/jpeg")},
        content_type="multipart/form-data", headers=forged)
    assert filed.status_code == 303, filed.get_data(as_text=True)
    with uow() as unit:
        [media_url] = unit.session.execute(select(ServiceRequest.media_url)).scalars().all()
    assert media_url.startswith("https://311.city.example/media/") and "evil" not in media_url
    assert client.get(media_url.removeprefix("https://311.city.example")).status_code == 200


def test_a_photo_filed_on_a_development_intake_at_localhost_is_still_accepted(tmp_path):
    """Our own photo address is trusted as configured: the media_url check is for what clients send."""
    client, uow = web_client(tmp_path)
    filed = client.form_post("/report/POTHOLE", "/report/POTHOLE", {
        "attribute[SIZE]": "small", "address_string": "47 Peachtree St SE",
        "photo": (io.BytesIO(jpeg_with_gps()), "pothole.jpg", "image/jpeg")}, content_type="multipart/form-data")
    assert filed.status_code == 303, filed.get_data(as_text=True)
    with uow() as unit:
        [media_url] = unit.session.execute(select(ServiceRequest.media_url)).scalars().all()
    assert media_url.startswith("http://localhost:8311/media/")
