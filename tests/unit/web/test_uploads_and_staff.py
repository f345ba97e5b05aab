"""Photos are checked by content and cleaned; staff sessions expire and sign out; residents see no one's data."""
import io
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import select

from services.intake.web import staff
from services.intake.web.gazetteer import Gazetteer
from services.intake.web.models import StaffSession
from services.intake.web.service_finder import find_services
from services.intake.web.uploads import UploadRejected, store_photo, stored_photo
from tests.unit.web.conftest import SAMPLE
from tests.unit.web.harness import DEMO_PASSWORD, sample_jurisdiction, web_client


def jpeg_with_gps():
    image, exif = Image.new("RGB", (40, 30), "red"), Image.Exif()
    exif[0x8825] = {2: (33.0, 45.0, 0.0)}   # GPSInfo: latitude
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_stored_without_its_metadata(tmp_path):
    name = store_photo(io.BytesIO(jpeg_with_gps()), tmp_path, 1_000_000)
    path, content_type = stored_photo(tmp_path, name)
    assert content_type == "image/jpeg"
    with Image.open(path) as saved:
        assert saved.size == (40, 30) and not saved.getexif()


@pytest.mark.parametrize("data", [b"GIF89a....", b"<svg onload=alert(1)>", b"\x89PNG\r\n\x1a\nbroken", b""])
def test_anything_else_is_refused(tmp_path, data):
    with pytest.raises(UploadRejected):
        store_photo(io.BytesIO(data), tmp_path, 1_000_000)
    assert list(tmp_path.iterdir()) == []


def test_only_names_we_minted_are_served(tmp_path):
    assert stored_photo(tmp_path, "../../etc/passwd") is None
    assert stored_photo(tmp_path, "0" * 32 + ".jpg") is None


def test_sessions_expire_when_idle_and_end_at_sign_out(tmp_path):
    _, uow = web_client(tmp_path)
    policy = staff.SessionPolicy(idle_minutes=30, absolute_hours=8)
    with uow() as u:
        account, token = staff.sign_in(u.session, "ANA ", DEMO_PASSWORD, policy)
        assert account.username == "ana"
    with uow() as u:
        assert staff.signed_in(u.session, token, policy)[0].username == "ana"
        row = u.session.execute(select(StaffSession)).scalar_one()
        row.expires_at = datetime.now(timezone.utc) - timedelta(seconds=1)
    with uow() as u:
        assert staff.signed_in(u.session, token, policy) is None
    with uow() as u:
        _, token = staff.sign_in(u.session, "ana", DEMO_PASSWORD, policy)
    with uow() as u:
        staff.sign_out(u.session, token)
    with uow() as u:
        assert staff.signed_in(u.session, token, policy) is None
        assert staff.sign_in(u.session, "ana", "wrong password", policy) is None
        assert staff.sign_in(u.session, "nobody", DEMO_PASSWORD, policy) is None


def test_a_busy_session_is_extended_at_most_once_a_minute(tmp_path):
    _, uow = web_client(tmp_path)
    policy = staff.SessionPolicy(idle_minutes=30, absolute_hours=8, touch_seconds=60)
    with uow() as u:
        _, token = staff.sign_in(u.session, "ana", DEMO_PASSWORD, policy)
    with uow() as u:
        first = u.session.execute(select(StaffSession)).scalar_one()
        signed_at, expires_at = first.last_seen_at, first.expires_at
    with uow() as u:
        staff.signed_in(u.session, token, policy)
        assert not u.session.dirty  # seconds later: nothing to write
    with uow() as u:
        assert u.session.execute(select(StaffSession)).scalar_one().expires_at == expires_at
        row = u.session.execute(select(StaffSession)).scalar_one()
        row.last_seen_at = signed_at - timedelta(seconds=61)
    with uow() as u:
        staff.signed_in(u.session, token, policy)
    with uow() as u:
        row = u.session.execute(select(StaffSession)).scalar_one()
        assert row.last_seen_at > signed_at and row.expires_at > expires_at


def test_only_a_hash_of_the_password_and_of_the_session_is_stored(tmp_path):
    client, uow = web_client(tmp_path)
    client.sign_in()
    cookie = client.get_cookie("c311_staff", path="/console").value
    with uow() as u:
        assert cookie not in {r.token_hash for r in u.session.execute(select(StaffSession)).scalars()}
        added = staff.add_account(u.session, "kim", "Kim", "a long enough password")
        assert added.password_hash.startswith("$argon2id$") and "a long enough" not in added.password_hash
        with pytest.raises(ValueError):
            staff.add_account(u.session, "kim2", "Kim", "short")


def test_signing_out_ends_the_session(tmp_path):
    client, _ = web_client(tmp_path)
    client.sign_in()
    assert client.form_post("/console", "/console/signout").status_code == 303
    assert client.get("/console").status_code == 303


def test_residents_never_see_reporters_contact_details(tmp_path):
    client, _ = web_client(tmp_path)
    filed = client.form_post("/report/POTHOLE", "/report/POTHOLE", {
        "attribute[SIZE]": "small", "lat": "33.75", "long": "-84.39", "email": "private@example.org",
        "phone": "404-555-0134", "first_name": "Secret", "notify_by": "sms"})
    page = client.get(filed.headers["Location"]).get_data(as_text=True)
    assert "Pothole" in page
    for personal in ("private@example.org", "555-0134", "+14045550134", "Secret"):
        assert personal not in page


def test_gazetteer_suggests_and_resolves_known_addresses():
    gazetteer = Gazetteer.from_file(SAMPLE / "gazetteer.csv")
    assert [a.address for a in gazetteer.suggest("47 peachtree")][0] == "47 Peachtree St SE"
    assert gazetteer.resolve("47 Peachtree Street Southeast").lat == 33.750066
    assert gazetteer.resolve("47 Peachtree") is None


@pytest.mark.parametrize("words, code", [("pot hole in the road", "POTHOLE"), ("garbage not picked up", "MISSED_PICKUP"),
                                         ("old mattress and couch", "BULK_PICKUP"), ("streetlite out", "STREETLIGHT_OUT")])
def test_the_service_is_found_from_the_callers_words(words, code):
    assert find_services(sample_jurisdiction().catalog, words)[0].service_code == code
