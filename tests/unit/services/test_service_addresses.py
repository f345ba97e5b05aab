"""Where each service listens by default: only what a city exposes to residents listens beyond loopback."""
import pytest

from shared.config import SERVICES, load_service_config

PUBLIC = {"intake", "notifications"}     # Open311 and resident pages; resident follow / survey pages


@pytest.mark.parametrize("service", sorted(set(SERVICES) - PUBLIC))
def test_an_internal_service_listens_on_loopback_unless_told_otherwise(service, monkeypatch):
    monkeypatch.delenv(f"{service.upper()}_HTTP_ADDRESS", raising=False)
    assert load_service_config(service)["WEB_SERVER_ADDRESS"].startswith("127.0.0.1:")


def test_a_multi_host_deployment_sets_the_address_in_the_environment(monkeypatch):
    monkeypatch.setenv("ROUTING_HTTP_ADDRESS", "10.0.0.5:8315")
    assert load_service_config("routing")["WEB_SERVER_ADDRESS"] == "10.0.0.5:8315"


@pytest.mark.parametrize("service", ["intake", "routing"])
def test_the_service_secret_comes_from_the_environment(service, monkeypatch):
    monkeypatch.setenv("CITY311_SERVICE_SECRET", "a-long-random-city-secret")
    assert load_service_config(service)["SERVICE_SECRET"] == "a-long-random-city-secret"
