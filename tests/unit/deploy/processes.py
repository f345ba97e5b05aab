"""What each process of city311 really reads from its environment, for checking deploy/ against it.

A service reads the `${VAR:default}` placeholders of deploy/config/<service>.yaml (workorders also those of
every deploy/workorder_systems/*.yaml it may be configured with) and CITY311_ENVIRONMENT; which of them are
secrets is shared/production.py's rule. A development stand-in reads the variables its code looks up
(`os.environ.get("VAR"...)`, `env_int("VAR"...)`) and the ${VAR:-default} of its deploy/Procfile line.
"""
import re
from pathlib import Path

from shared.config import PROJECT_ROOT, SERVICES, config_path
from shared.production import (ENVIRONMENT_VARIABLE, SERVICE_SECRETS, SYSTEM_SECRETS, SYSTEMS_DIR, placeholders,
                               production_problems)

PROCFILE = PROJECT_ROOT / "deploy" / "Procfile"
# Variables every Python process of the image reads (the interpreter's own, or set by the image).
INTERPRETER = {"PYTHONPATH", "PYTHONWARNINGS", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
_LOOKUP = re.compile(r"""(?:environ\.get\(|environ\[|env_int\()\s*(?:f?)["']([A-Z][A-Z0-9_]*)["']""")
_PROCFILE_VARIABLE = re.compile(r"\$\{(\w+)")
_LEGACY_PORT = "LEGACY_{name}_PORT"   # legacy_systems/common/server.py builds this name per system


def service_variables(service):
    """{ENV_VAR: config key} a service reads."""
    found = {env: key for key, (env, _default) in placeholders(config_path(service)).items() if env}
    if service == "workorders":
        for path in sorted(SYSTEMS_DIR.glob("*.yaml")):
            found.update({env: f"{path.stem}.{key}" for key, (env, _d) in placeholders(path).items() if env})
    return {**found, ENVIRONMENT_VARIABLE: ENVIRONMENT_VARIABLE}


def service_secrets(service):
    """The variables of a service that hold secrets: database URL, broker URI, keys, passwords."""
    secret_keys = {key for key, rule in SERVICE_SECRETS.items() if rule != "true"} | {"DATABASE_URL"}
    found = {env for key, (env, _d) in placeholders(config_path(service)).items() if env and key in secret_keys}
    if service == "workorders":
        for path in sorted(SYSTEMS_DIR.glob("*.yaml")):
            found |= {env for key, (env, _d) in placeholders(path).items() if env and key in SYSTEM_SECRETS}
    return found


def problems_in_production(service, given, secrets):
    """What production mode refuses when `service` starts with `given`, the `secrets` among them set to
    strong values of this installation (as the city fills them in)."""
    environ = {name: (_strong_value(name) if name in secrets else value) for name, value in given.items()}
    settings = {key: environ.get(env, default) if env else default
                for key, (env, default) in placeholders(config_path(service)).items()}
    return production_problems(service, settings, environ)


def _strong_value(name):
    if name.endswith("AMQP_URI"):
        return f"amqp://{name.lower()}:{'p' * 40}@broker1.city.internal:5672/"
    return f"{name.lower()}-{'s' * 40}"


def http_address(service):
    """(ENV_VAR, default) of the service's WEB_SERVER_ADDRESS."""
    return placeholders(config_path(service))["WEB_SERVER_ADDRESS"]


def procfile_lines(path=PROCFILE):
    """{name: command} of a Procfile, unexpanded."""
    lines = {}
    for line in Path(path).read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _sep, command = line.partition(":")
            lines[name.strip()] = command.strip()
    return lines


def stand_in_variables(name):
    """The variables a development stand-in (a deploy/Procfile process that is not a service) reads."""
    command = procfile_lines()[name]
    module = command.split(" -m ", 1)[1].split()[0]
    where = PROJECT_ROOT / Path(*module.split("."))
    if where.with_suffix(".py").exists():     # devservers.<name>, with devservers/web.py's shared options
        files = [where.with_suffix(".py"), PROJECT_ROOT / "devservers" / "web.py"]
    else:                                     # legacy_systems.<name>, with legacy_systems/common
        files = [*where.glob("*.py"), *(PROJECT_ROOT / "legacy_systems" / "common").glob("*.py")]
    found = {match for path in files for match in _LOOKUP.findall(path.read_text())}
    found |= set(_PROCFILE_VARIABLE.findall(command))
    if module.startswith("legacy_systems."):
        found.add(_LEGACY_PORT.format(name=name.upper()))
    return found


def stand_ins():
    """The deploy/Procfile processes that are not services (and not make run's one-shot announce)."""
    return sorted(set(procfile_lines()) - set(SERVICES) - {"announce"})
