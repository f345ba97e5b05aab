"""Adapter configuration: YAML, environment overrides, caller settings, the factory."""
import pytest

from services.workorders.adapters import build_client
from services.workorders.adapters.config import load_system_config, merged, substitute_environment

SYSTEMS = ["streets", "watershed", "solidwaste"]


@pytest.mark.parametrize("system", SYSTEMS)
def test_factory_builds_a_client_named_after_the_system(system):
    client = build_client(system)
    assert client.name == system
    for method in ("find_by_reference", "create", "cancel", "fetch_changes"):
        assert callable(getattr(client, method))


def test_environment_overrides_the_file_and_settings_override_both(monkeypatch):
    monkeypatch.setenv("STREETS_URL", "http://streets.internal:9001")
    monkeypatch.setenv("STREETS_PASSWORD", "from-env")
    config = load_system_config("streets", {"password": "from-settings", "category_map": {"POTHOLE": "9"}})
    assert config["url"] == "http://streets.internal:9001"
    assert config["password"] == "from-settings"
    assert config["category_map"]["POTHOLE"] == "9" and config["category_map"]["CURB_DAMAGE"] == "2105"


def test_defaults_apply_without_environment(monkeypatch):
    monkeypatch.delenv("WATERSHED_URL", raising=False)
    assert load_system_config("watershed")["url"] == "http://localhost:9002"


def test_placeholder_without_default_needs_the_variable(monkeypatch):
    monkeypatch.delenv("CITY311_NOT_SET", raising=False)
    with pytest.raises(ValueError, match="CITY311_NOT_SET"):
        substitute_environment({"a": ["${CITY311_NOT_SET}"]})
    monkeypatch.setenv("CITY311_NOT_SET", "x")
    assert substitute_environment({"a": ["pre-${CITY311_NOT_SET}-post", 3]}) == {"a": ["pre-x-post", 3]}


def test_unknown_system_is_a_clear_error():
    with pytest.raises(ValueError, match="no configuration for work-order system 'parks'"):
        build_client("parks")


def test_merge_is_deep_and_leaves_the_base_alone():
    base = {"a": {"b": 1, "c": 2}, "d": 3}
    assert merged(base, {"a": {"c": 9}}) == {"a": {"b": 1, "c": 9}, "d": 3}
    assert base == {"a": {"b": 1, "c": 2}, "d": 3}
