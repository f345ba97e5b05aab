"""deploy/systemd: the units run what deploy/Procfile.production runs, systemd accepts them, and the example
environment files give each service only settings it reads, with every secret left for the city to set."""
import re
import shutil
import subprocess

import pytest

from shared.config import PROJECT_ROOT, SERVICES
from tests.unit.deploy import processes

SYSTEMD = PROJECT_ROOT / "deploy" / "systemd"
ENV = SYSTEMD / "env"
PROCFILE_PRODUCTION = PROJECT_ROOT / "deploy" / "Procfile.production"
INSTALLED_ROOT = "/opt/city311"
# systemd before 254 does not know these two; the unit keeps them for newer hosts (deploy/README.md).
NEWER_SYSTEMD_KEYS = ("RestartSteps", "RestartMaxDelaySec")


def unit(path):
    """[(section, key, value)] of a unit file, repeated keys kept in order."""
    entries, section = [], None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _sep, value = line.partition("=")
        entries.append((section, key, value))
    return entries


def values(entries, key):
    return [value for _section, name, value in entries if name == key]


def env_file(path):
    """{VAR: value} of a systemd EnvironmentFile."""
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_unit_runs_the_production_procfiles_command_for_each_service(service):
    command = processes.procfile_lines(PROCFILE_PRODUCTION)[service]
    exec_start = values(unit(SYSTEMD / "city311@.service"), "ExecStart")
    assert [line.replace("%i", service) for line in exec_start] == [f"{INSTALLED_ROOT}/{command}"]


def test_the_target_starts_exactly_the_services_of_the_production_procfile():
    wanted = " ".join(values(unit(SYSTEMD / "city311.target"), "Wants")).split()
    assert sorted(wanted) == sorted(f"city311@{name}.service" for name in processes.procfile_lines(PROCFILE_PRODUCTION))


def test_a_service_restarts_whatever_its_exit_and_loads_the_shared_then_its_own_environment():
    entries = unit(SYSTEMD / "city311@.service")
    assert values(entries, "Restart") == ["always"]
    assert values(entries, "EnvironmentFile") == ["/etc/city311/city311.env", "/etc/city311/%i.env"]
    assert values(entries, "User") == ["city311"]
    assert values(entries, "ReadWritePaths") == [f"{INSTALLED_ROOT}/var"]


def test_before_each_start_the_services_migrations_and_queues_run_with_its_own_settings():
    service, prepare = unit(SYSTEMD / "city311@.service"), unit(SYSTEMD / "city311-prepare@.service")
    assert "city311-prepare@%i.service" in " ".join(values(service, "Wants")).split()
    assert "city311-prepare@%i.service" in " ".join(values(service, "After")).split()
    assert values(prepare, "ExecStart") == [f"{INSTALLED_ROOT}/.venv/bin/python -m shared.persistence.migrations %i",
                                            f"{INSTALLED_ROOT}/.venv/bin/python -m shared.messaging.declare %i"]
    assert values(prepare, "EnvironmentFile") == values(service, "EnvironmentFile")


@pytest.mark.parametrize("name", ["city311@.service", "city311-prepare@.service", "city311.target"])
def test_systemd_accepts_every_line_of_the_units(tmp_path, name):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    # verify checks that the commands exist: point the units at a stand-in of the installed tree.
    root = tmp_path / "city311"
    (root / ".venv" / "bin").mkdir(parents=True)
    for program in ("nameko", "python"):
        (root / ".venv" / "bin" / program).write_text("#!/bin/sh\n")
        (root / ".venv" / "bin" / program).chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for path in SYSTEMD.glob("city311*"):
        (units / path.name).write_text(path.read_text().replace(INSTALLED_ROOT, str(root)))
    instance = name.replace("@.", "@routing.")
    if instance != name:
        (units / instance).write_text((units / name).read_text())
    result = subprocess.run([analyze, "verify", "--man=no", str(units / instance)], capture_output=True, text=True,
                            timeout=60, env={"SYSTEMD_LOG_LEVEL": "warning", "PATH": "/usr/bin:/bin"}, check=False)
    complaints = [line for line in (result.stdout + result.stderr).splitlines()
                  if line.strip() and not any(f"Unknown key '{key}'" in line for key in NEWER_SYSTEMD_KEYS)]
    assert result.returncode == 0 and not complaints, "\n".join(complaints)


@pytest.mark.parametrize("service", SERVICES)
def test_each_environment_file_sets_only_what_its_services_read(service):
    reads = processes.service_variables(service)
    unread = sorted(set(env_file(ENV / f"{service}.env")) - set(reads))
    assert not unread, f"{service}.env sets {unread}, which {service} does not read"
    shared = set(env_file(ENV / "city311.env"))
    assert shared <= {variable for name in SERVICES for variable in processes.service_variables(name)}


@pytest.mark.parametrize("service", SERVICES)
def test_every_secret_of_a_service_is_in_its_environment_files_and_left_empty(service):
    given = {**env_file(ENV / "city311.env"), **env_file(ENV / f"{service}.env")}
    secrets = processes.service_secrets(service)
    assert secrets <= set(given), f"missing: {sorted(secrets - set(given))}"
    assert {name: given[name] for name in secrets if given[name]} == {}


@pytest.mark.parametrize("service", SERVICES)
def test_once_its_secrets_are_filled_in_each_service_would_start_in_production(service):
    given = {**env_file(ENV / "city311.env"), **env_file(ENV / f"{service}.env")}
    assert processes.problems_in_production(service, given, processes.service_secrets(service)) == []


def test_each_services_address_in_its_environment_file_is_loopback_when_public_else_private():
    for service in SERVICES:
        env_var, _default = processes.http_address(service)
        host = env_file(ENV / f"{service}.env")[env_var].rpartition(":")[0]
        assert re.fullmatch(r"127\.0\.0\.1|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+", host), (service, host)
