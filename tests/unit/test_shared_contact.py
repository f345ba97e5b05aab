"""The default region of phone numbers is the jurisdiction's `country` (shared/contact.py)."""
import pytest

from shared.contact import ContactError, jurisdiction_region, phone_number


def jurisdiction(tmp_path, header):
    (tmp_path / "jurisdiction.yaml").write_text(header, encoding="utf-8")
    return tmp_path


def test_the_sample_city_is_in_the_us():
    assert jurisdiction_region("deploy/jurisdictions/sample") == "US"


def test_numbers_without_plus_are_read_in_the_jurisdictions_country(tmp_path):
    region = jurisdiction_region(jurisdiction(tmp_path, "country: es\n"))
    assert region == "ES"
    assert phone_number("612 34 56 78", region) == "+34612345678"
    assert phone_number("+1 404 555 0123", region) == "+14045550123"
    with pytest.raises(ContactError) as caught:
        phone_number("(404) 555-0123", region)
    assert caught.value.reason == "it has too many digits"          # Spanish numbers have nine


def test_an_unknown_country_stops_start_up_naming_the_file(tmp_path):
    with pytest.raises(ValueError, match=r"jurisdiction.yaml: country 'XX' is not an ISO 3166 country code"):
        jurisdiction_region(jurisdiction(tmp_path, "country: XX\n"))
