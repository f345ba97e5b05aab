"""OPEN311_API_KEYS: production keys from the environment replace the jurisdiction file's development keys."""
import pytest

from services.intake.dependencies import parse_api_keys
from services.intake.open311.access import check_api_key
from services.intake.open311.errors import Open311Error


def test_unset_or_blank_leaves_the_file_keys_in_force():
    assert parse_api_keys(None) == [] and parse_api_keys("  ") == []


def test_each_entry_names_a_key_and_its_application():
    keys = parse_api_keys(" k1 = city-web , k2=fixmystreet")
    assert keys == [{"key": "k1", "application": "city-web"}, {"key": "k2", "application": "fixmystreet"}]
    assert check_api_key({"api_key": "k2"}, keys) == "fixmystreet"
    with pytest.raises(Open311Error):
        check_api_key({"api_key": "dev-web-key"}, keys)


@pytest.mark.parametrize("text, problem", [
    ("k1", "'k1' is not key=application"),
    ("k1=web,,k2=app", "'' is not key=application"),
    ("=web", "'=web' is not key=application"),
    ("k1=", "'k1=' is not key=application"),
    ("k1=web,k1=app", "listed twice"),
])
def test_a_malformed_value_stops_start_up_naming_the_entry(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_api_keys(text)
