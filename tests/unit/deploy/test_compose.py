"""deploy/compose.yaml, the pilot: every process of deploy/Procfile from the one image, given only settings
it reads, reachable by its peers, and only intake and notifications published beyond the machine."""
import re
from urllib.parse import urlparse

import pytest
import yaml

from shared.config import PROJECT_ROOT, SERVICES
from tests.unit.deploy import processes

COMPOSE_FILE = PROJECT_ROOT / "deploy" / "compose.yaml"
DATABASES_SQL = PROJECT_ROOT / "deploy" / "container" / "postgres-databases.sql"
PLUGINS_FILE = PROJECT_ROOT / "deploy" / "container" / "rabbitmq-enabled-plugins"
ONE_SHOT = ("migrate", "declare")
PUBLIC = {"intake", "notifications"}


@pytest.fixture(scope="module")
def compose():
    return yaml.load(COMPOSE_FILE.read_text(), Loader=ComposeLoader)["services"]


class ComposeLoader(yaml.SafeLoader):
    """yaml.safe_load without the `${VAR:default}` resolver nameko adds to yaml.SafeLoader once any test has loaded
    a service's config: it would read compose's `${VAR:-default}` as the default "-default"."""


ComposeLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "!env_var"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def environment(service):
    """The container's environment, compose's ${VAR:-default} taken at its default."""
    given = service.get("environment") or {}
    return {name: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(value)) for name, value in given.items()}


def test_every_process_of_the_procfile_runs_from_the_city311_image_with_its_own_command(compose):
    image = compose["intake"]["image"]
    expected = {*SERVICES, *processes.stand_ins(), *ONE_SHOT}
    ours = {name for name, service in compose.items() if service.get("image") == image}
    assert ours == expected
    for name in expected - {"migrate"}:
        assert compose[name]["command"] == [name]
    assert compose["migrate"]["command"] == ["migrate"]
    assert "management" in compose["rabbitmq"]["image"] and "postgres" in compose["postgres"]["image"]


@pytest.mark.parametrize("name", [*SERVICES, *ONE_SHOT])
def test_every_variable_a_service_is_given_is_one_it_reads(compose, name):
    reads = set(processes.service_variables(name)) if name in SERVICES else \
        {variable for service in SERVICES for variable in processes.service_variables(service)}
    unread = sorted(set(environment(compose[name])) - reads)
    assert not unread, f"{name} is given {unread}, which it does not read"


@pytest.mark.parametrize("name", processes.stand_ins())
def test_every_variable_a_stand_in_is_given_is_one_it_reads(compose, name):
    unread = sorted(set(environment(compose[name])) - processes.stand_in_variables(name))
    assert not unread, f"{name} is given {unread}, which it does not read"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_listens_on_every_interface_of_its_container(compose, service):
    env_var, default = processes.http_address(service)
    assert environment(compose[service])[env_var] == f"0.0.0.0:{default.rpartition(':')[2]}"


def test_only_intake_and_notifications_are_published_beyond_this_machine(compose):
    for name, service in compose.items():
        for port in service.get("ports", []):
            if name in PUBLIC:
                assert port == f"{port.rpartition(':')[2]}:{port.rpartition(':')[2]}", (name, port)
            else:
                assert port.startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"
    published = {name for name, service in compose.items() if any(not p.startswith("127.0.0.1:")
                                                                    for p in service.get("ports", []))}
    assert published == PUBLIC


def test_every_address_a_process_is_given_names_a_process_of_the_pilot_or_the_residents_browser(compose):
    for name, service in compose.items():
        for variable, value in environment(service).items():
            if "://" not in value:
                continue
            host = urlparse(value).hostname
            assert host in compose or host == "localhost", f"{name}: {variable} points at {host}"


def test_the_services_start_after_the_migrations_and_the_queues_and_the_migrations_after_the_database(compose):
    for service in SERVICES:
        assert compose[service]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"},
                                                  "declare": {"condition": "service_completed_successfully"}}
    assert compose["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert compose["declare"]["depends_on"] == {"rabbitmq": {"condition": "service_healthy"}}


def test_each_service_has_its_own_database_which_the_database_server_creates(compose):
    created = set(re.findall(r"CREATE DATABASE (\w+);", DATABASES_SQL.read_text()))
    urls = {variable: value for variable, value in environment(compose["migrate"]).items()}
    assert {variable.removesuffix("_DATABASE_URL").lower() for variable in urls} == set(SERVICES)
    assert {urlparse(url).path.lstrip("/") for url in urls.values()} == created == set(SERVICES)
    for service in SERVICES:
        own = f"{service.upper()}_DATABASE_URL"
        assert environment(compose[service])[own] == urls[own]


def test_the_broker_runs_the_management_prometheus_and_stream_plugins():
    plugins = set(re.findall(r"\w+", PLUGINS_FILE.read_text()))
    assert {"rabbitmq_management", "rabbitmq_prometheus", "rabbitmq_stream"} <= plugins
