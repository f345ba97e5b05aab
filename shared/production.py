"""Development or production: the one place CITY311_ENVIRONMENT is read, and what production refuses.

    CITY311_ENVIRONMENT=development   (the default) development secrets and demo accounts are fine
    CITY311_ENVIRONMENT=production    every secret comes from the environment; development values,
                                      demo staff accounts, guest:guest and insecure cookies are refused

Settings naming storage on disk (SHARED_STORAGE: intake's UPLOAD_DIR) must be set in the environment
too: their defaults are folders of one host, and several instances need storage they share.

A service in production checks its settings before anything starts (`enforce`, called from the
UnitOfWorkProvider every service has) and exits naming every setting that is missing or refused,
all at once, so an operator fixes them in one go.

What a secret is comes from the services' own config files (deploy/config/<service>.yaml): a setting
named in SERVICE_SECRETS must be a `${ENV_VAR:default}` placeholder whose variable is set, to something
other than any development default. The department systems' passwords, client and webhook secrets,
broker and database URLs are the keys in SYSTEM_SECRETS of each configured work-order system's file.
"""
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import yaml

from shared.config import PROJECT_ROOT, config_path, project_path

ENVIRONMENT_VARIABLE = "CITY311_ENVIRONMENT"
DEVELOPMENT, PRODUCTION = "development", "production"
ENVIRONMENTS = (DEVELOPMENT, PRODUCTION)

SYSTEMS_DIR = PROJECT_ROOT / "deploy" / "workorder_systems"
SAMPLE_STAFF_FILE = PROJECT_ROOT / "deploy" / "jurisdictions" / "sample" / "staff.yaml"
# The sample accounts' passwords, published in README.md: an account that still has one is a demo account.
DEMO_PASSWORDS = {"ana": "ana-demo-311!", "sam": "sam-demo-311!", "lee": "lee-supervisor-311!",  # nosec B105
                  "olu": "olu-operations-311!", "ada": "ada-admin-311!"}
MIN_SIGNING_KEY_LENGTH = 32

# Config key -> how production checks it. "secret": set, not a development value; "signing key": the
# same and at least MIN_SIGNING_KEY_LENGTH characters; "amqp": set, with a user that is not guest;
# "true": set to true; "open311 keys": set, and none of the jurisdiction file's development keys;
# "optional secret": may be unset, else as "secret".
SERVICE_SECRETS = {
    "AMQP_URI": "amqp",
    "SERVICE_SECRET": "signing key",      # tokens between services (shared/internal_api.py)
    "WEB_SECRET_KEY": "signing key",      # intake's staff sessions and CSRF tokens
    "SECRET_KEY": "signing key",          # notifications' unsubscribe and survey links
    "SMS_GATEWAY_API_KEY": "secret",
    "SMS_INBOUND_KEY": "secret",
    "OPEN311_API_KEYS": "open311 keys",
    "SECURE_COOKIES": "true",
    "SMTP_PASSWORD": "optional secret",   # a local relay may need none; when set, not a development value
}
# Config key -> why production needs it set in the environment: a default on one host's disk is wrong
# for several instances (docs/scaling-notes.md).
SHARED_STORAGE = {
    "UPLOAD_DIR": "the default var/uploads is this host's own disk, and a resident's photo must be served by "
                  "every intake instance: set it to a folder on storage every intake instance mounts "
                  "(ReadWriteMany: NFS, CephFS, EFS, Azure Files)",
}
SYSTEM_SECRETS = {
    "password": "secret",
    "client_secret": "secret",
    "webhook_secret": "signing key",
    "amqp_uri": "amqp",
    "database_url": "secret",             # a department database's URL carries its password
}
_PLACEHOLDER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*?)\s*(?:#.*)?$")
_ENV = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::(.*))?\}$")


class EnvironmentSettingError(ValueError):
    """CITY311_ENVIRONMENT holds something other than development or production."""


class ProductionRefused(SystemExit):
    """Production start-up refused: the message names every missing or refused setting.

    A SystemExit, so `nameko run` ends with the message and exit status 1 rather than a traceback.
    """

    def __init__(self, service, problems):
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"{service} refuses to start in production ({ENVIRONMENT_VARIABLE}=production): "
                         f"{len(self.problems)} setting(s) to fix:\n{lines}")


def environment(environ=None):
    """'development' (the default) or 'production'; EnvironmentSettingError for anything else."""
    environ = os.environ if environ is None else environ
    value = (environ.get(ENVIRONMENT_VARIABLE) or DEVELOPMENT).strip().lower()
    if value not in ENVIRONMENTS:
        raise EnvironmentSettingError(f"{ENVIRONMENT_VARIABLE}={environ.get(ENVIRONMENT_VARIABLE)!r}: "
                                      f"expected one of {', '.join(ENVIRONMENTS)}")
    return value


def is_production(environ=None):
    return environment(environ) == PRODUCTION


def open311_endpoint_type(environ=None):
    """The `type` of the Open311 discovery document's endpoint: production, or test."""
    return "production" if is_production(environ) else "test"


def placeholders(path):
    """{key: (ENV_VAR or None, default)} of a YAML config's top-level `key: ${ENV_VAR:default}` lines."""
    found = {}
    for line in Path(path).read_text().splitlines():
        if line[:1].isspace():
            continue
        match = _PLACEHOLDER.match(line)
        if not match:
            continue
        key, value = match.groups()
        env = _ENV.match(value)
        found[key] = (env.group(1), env.group(2) or "") if env else (None, value.strip("\"'"))
    return found


def _development_values():
    """Every default written in the shipped config files, and the development service secret."""
    from shared.internal_api import DEVELOPMENT_SERVICE_SECRET
    values = {DEVELOPMENT_SERVICE_SECRET}
    for path in [*sorted(config_path("x").parent.glob("*.yaml")), *sorted(SYSTEMS_DIR.glob("*.yaml"))]:
        values.update(default for _env, default in placeholders(path).values() if default)
    return values


def amqp_problem(name, uri):
    """Why an AMQP URI (or any node of a cluster's `;`-separated list) is refused in production (None: fine)."""
    from shared.messaging.nodes import BrokerNodesError, broker_nodes
    try:
        nodes = broker_nodes(uri)
    except BrokerNodesError as exc:
        return f"{name}: {exc}"
    return next(filter(None, (_node_problem(name, node) for node in nodes)), None)


def _node_problem(name, uri):
    parsed = urlparse(uri)
    user, password = unquote(parsed.username or ""), unquote(parsed.password or "")
    if not user or user == "guest" or password in ("", "guest"):
        return (f"{name} logs in as {user or 'guest'}{':guest' if password in ('', 'guest') else ''} "
                "(the development account): give each service its own broker user and password "
                "(docs/security-broker.md)")
    return None


def _check(key, rule, env_var, default, environ, dev_values):
    where = f"{env_var} ({key})" if env_var and env_var != key else (env_var or key)
    if rule == "true":   # a switch, not a secret: the config file may say it too
        value = environ.get(env_var) or default if env_var else default
        if str(value).strip().lower() != "true":
            return f"{where} must be true in production (cookies only over HTTPS), not {value!r}"
        return None
    if env_var is None:
        return f"{key} is written into the config file: in production it must come from an environment variable"
    value = environ.get(env_var, "")
    if not value.strip():
        if rule == "optional secret":
            return None
        return f"{where} is not set: in production every secret comes from the environment"
    if rule == "amqp":
        return amqp_problem(where, value)
    if value in dev_values or value == default:
        return f"{where} is a development default: set a secret of this installation"
    if rule == "signing key" and len(value) < MIN_SIGNING_KEY_LENGTH:
        return f"{where} is shorter than {MIN_SIGNING_KEY_LENGTH} characters: use a long random value"
    return None


def development_api_keys(jurisdiction_dir):
    """The Open311 keys written in the jurisdiction file (development keys: production replaces them)."""
    path = project_path(jurisdiction_dir) / "jurisdiction.yaml"
    if not path.exists():
        return set()
    settings = yaml.safe_load(path.read_text()) or {}
    return {str(entry.get("key")) for entry in settings.get("api_keys") or [] if isinstance(entry, dict)}


def open311_keys_problem(where, value, jurisdiction_dir):
    development = development_api_keys(jurisdiction_dir)
    keys = {entry.partition("=")[0].strip() for entry in value.split(",") if entry.strip()}
    reused = sorted(keys & development)
    if reused:
        return f"{where} lists development key(s) of the jurisdiction file: {', '.join(reused)}"
    return None


def demo_staff_accounts(staff_file):
    """Usernames in a staff.yaml whose account is a demo one: the sample's hash, or a published demo password."""
    staff_file = Path(staff_file)
    if not staff_file.exists():
        return []
    accounts = (yaml.safe_load(staff_file.read_text()) or {}).get("staff") or []
    sample = (yaml.safe_load(SAMPLE_STAFF_FILE.read_text()) or {}).get("staff") or []
    sample_hashes = {account.get("password_hash") for account in sample}
    from argon2 import PasswordHasher
    from argon2.exceptions import Argon2Error
    hasher, demo = PasswordHasher(), []
    for account in accounts:
        username, password_hash = account.get("username"), account.get("password_hash")
        if password_hash in sample_hashes:
            demo.append(username)
        elif username in DEMO_PASSWORDS and password_hash:
            try:
                if hasher.verify(password_hash, DEMO_PASSWORDS[username]):
                    demo.append(username)
            except (Argon2Error, ValueError):
                pass
    return demo


def production_problems(service_name, settings, environ=None, config_file=None):
    """Every reason `service_name` may not start in production, as sentences naming the setting.

    `settings` is the service's loaded config (nameko's), `config_file` the YAML it came from (its
    placeholders say which environment variable each secret comes from).
    """
    environ = os.environ if environ is None else environ
    raw = placeholders(config_file or config_path(service_name))
    dev_values = _development_values()
    problems = []
    for key, rule in SERVICE_SECRETS.items():
        if key not in raw:
            continue
        env_var, default = raw[key]
        problem = _check(key, rule, env_var, default, environ, dev_values)
        if problem is None and rule == "open311 keys":
            problem = open311_keys_problem(f"{env_var} ({key})", environ.get(env_var, ""),
                                           settings.get("JURISDICTION_DIR") or "deploy/jurisdictions/sample")
        if problem:
            problems.append(problem)
    for key, why in SHARED_STORAGE.items():
        env_var = raw[key][0] if key in raw else None
        if key in raw and not (env_var and environ.get(env_var, "").strip()):
            problems.append(f"{env_var} ({key}) is not set: {why}" if env_var else
                            f"{key} is written into the config file: in production it must come from an "
                            f"environment variable, as {why}")
    if service_name == "intake":
        staff_file = project_path(settings.get("JURISDICTION_DIR") or "deploy/jurisdictions/sample") / "staff.yaml"
        demo = demo_staff_accounts(staff_file)
        if demo:
            problems.append(f"{staff_file} has demo staff account(s) {', '.join(demo)}: ship a staff.yaml without "
                            "them and add real accounts with python -m services.intake.web.staff_cli add")
    for system in _systems(settings.get("WORK_ORDER_SYSTEMS")):
        path = SYSTEMS_DIR / f"{system}.yaml"
        if not path.exists():
            continue
        for key, (env_var, default) in placeholders(path).items():
            rule = SYSTEM_SECRETS.get(key)
            problem = rule and _check(f"{system}.{key}", rule, env_var, default, environ, dev_values)
            if problem:
                problems.append(problem)
    return problems


def _systems(value):
    if not value:
        return []
    if isinstance(value, str):
        value = yaml.safe_load(value) or []
    return [str(name) for name in value]


def enforce(service_name, settings, environ=None):
    """At start-up: nothing in development; in production ProductionRefused naming every problem."""
    environ = os.environ if environ is None else environ
    try:
        production = is_production(environ)
    except EnvironmentSettingError as exc:
        raise SystemExit(f"{service_name} refuses to start: {exc}") from None
    if production:
        problems = production_problems(service_name, settings, environ)
        if problems:
            raise ProductionRefused(service_name, problems)
