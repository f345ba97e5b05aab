"""Broker users of the systems around city311, each allowed only what it needs (RabbitMQ definitions).

    python -m shared.messaging.users apply     # create or update them on the broker at AMQP_URI (make run)
    python -m shared.messaging.users show      # the definitions (password hashes left out)

Who                        configure (declare)      write (publish to)        read (consume from)
city311 (the services)     everything on the vhost  everything               everything
channel-<channel>          its reply queues         channels.events only     its reply queues only
department-<code>          nothing                  departments.status only  departments.<CODE>, its .dlq
analyst                    nothing                  nothing                  metrics.stream only
operations (monitoring)    nothing                  nothing                  nothing; the management UI's
                                                                             read-only views (tag monitoring)

A channel's reply queues are `channels.replies.<channel>...` or a server-named exclusive queue
(`amq.gen-...`: exclusive, so no one else can consume it even with the same pattern). One user per
department of the jurisdiction (departments.yaml) and per channel of the contract (shared/events/channels.py),
so the definitions follow the topology and cannot drift from it.

Passwords: in production (CITY311_ENVIRONMENT=production) each comes from CITY311_BROKER_PASSWORD_<USER>
(e.g. CITY311_BROKER_PASSWORD_DEPARTMENT_PW_STREETS) and `apply` refuses to run without all of them; in
development each is generated once into var/secrets/broker/<user>.password (0600). Applied with
`rabbitmqctl import_definitions -` on the broker's host; see docs/security-broker.md.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import yaml

from shared.config import project_path
from shared.production import is_production

SECRETS_DIR = "var/secrets/broker"
PASSWORD_VARIABLE = "CITY311_BROKER_PASSWORD_{}"
NOTHING = "^$"
EVERYTHING = ".*"
HASHING = "rabbit_password_hashing_sha256"


@dataclass(frozen=True)
class BrokerUser:
    name: str
    kind: str
    configure: str
    write: str
    read: str
    tags: tuple = ()

    @property
    def password_variable(self):
        return PASSWORD_VARIABLE.format(re.sub(r"[^A-Z0-9]", "_", self.name.upper()))


def _exactly(*names):
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


def channel_user(channel, prefix=""):
    replies = rf"^(channels\.replies\.{re.escape(channel)}(\..+)?|amq\.gen-.*)$"
    return BrokerUser(f"{prefix}channel-{channel}", "channel", configure=replies,
                      write=_exactly("channels.events"), read=replies)


def department_user(code, prefix=""):
    return BrokerUser(f"{prefix}department-{code.lower()}", "department", configure=NOTHING,
                      write=_exactly("departments.status"),
                      read=_exactly(f"departments.{code}", f"departments.{code}.dlq"))


def integrator_users(departments, channels=None, prefix="", stream_queue="metrics.stream"):
    """Every user: the services', one per channel, one per department code, the analysts', operations'."""
    if channels is None:
        from shared.events.channels import CHANNELS
        channels = CHANNELS
    return [
        BrokerUser(f"{prefix}city311", "services", EVERYTHING, EVERYTHING, EVERYTHING),
        *(channel_user(channel, prefix) for channel in channels),
        *(department_user(code, prefix) for code in departments),
        BrokerUser(f"{prefix}analyst", "analyst", NOTHING, NOTHING, _exactly(stream_queue)),
        BrokerUser(f"{prefix}operations", "operations", NOTHING, NOTHING, NOTHING, tags=("monitoring",)),
    ]


def department_codes(jurisdiction_dir):
    path = project_path(jurisdiction_dir) / "departments.yaml"
    return [entry["code"] for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["departments"]]


def password_hash(password, salt=None):
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password)), 4-byte salt."""
    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode("ascii")


class MissingPasswords(SystemExit):
    """Production without every broker user's password in the environment."""


def passwords(users, environ=None, secrets_dir=SECRETS_DIR):
    """{user: password}: production from the environment (all or MissingPasswords), development generated."""
    environ = os.environ if environ is None else environ
    if is_production(environ):
        missing = [user.password_variable for user in users if not environ.get(user.password_variable)]
        if missing:
            raise MissingPasswords("broker users need their passwords from the environment in production; "
                                   f"not set: {', '.join(missing)}")
        return {user.name: environ[user.password_variable] for user in users}
    folder = project_path(secrets_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    found = {}
    for user in users:
        path = folder / f"{user.name}.password"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(24))
        found[user.name] = path.read_text().strip()
    return found


def definitions(users, vhost, user_passwords=None):
    """RabbitMQ definitions (users, the vhost, permissions); without passwords, users get no hash."""
    entries = []
    for user in users:
        entry = {"name": user.name, "tags": list(user.tags)}
        if user_passwords is not None:
            entry.update(password_hash=password_hash(user_passwords[user.name]), hashing_algorithm=HASHING)
        entries.append(entry)
    return {
        "users": entries,
        "vhosts": [{"name": vhost}],
        "permissions": [{"user": user.name, "vhost": vhost, "configure": user.configure,
                         "write": user.write, "read": user.read} for user in users],
    }


def vhost_of(uri):
    path = urlparse(uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def apply(ctl_argv, document, timeout=120):
    """Import the definitions with rabbitmqctl, from standard input (no password hash touches the disk).

    The broker imports asynchronously: this returns once every user has its permissions on the vhost.
    """
    done = subprocess.run([*ctl_argv, "import_definitions", "--format", "json"], input=json.dumps(document),
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"rabbitmqctl import_definitions failed: {(done.stderr or done.stdout).strip()[:500]}")
    vhost = document["vhosts"][0]["name"]
    expected = {(p["user"], p["configure"], p["write"], p["read"]) for p in document["permissions"]}
    deadline = time.monotonic() + timeout
    while True:
        listed = subprocess.run([*ctl_argv, "list_permissions", "-p", vhost, "--formatter", "json"],
                                capture_output=True, text=True, timeout=timeout)
        present = {(p["user"], p["configure"], p["write"], p["read"])
                   for p in (json.loads(listed.stdout) if listed.returncode == 0 and listed.stdout.strip() else [])}
        if expected <= present:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the broker had not imported the users after {timeout} s: missing "
                               f"{', '.join(sorted(user for user, *_ in expected - present))}")
        time.sleep(1)


def _users_from_config():
    from shared.config import load_service_config
    settings = load_service_config("routing")
    metrics = load_service_config("metrics")
    return settings, integrator_users(department_codes(settings["JURISDICTION_DIR"]),
                                      stream_queue=metrics.get("STREAM_QUEUE") or "metrics.stream")


def main(argv):
    parser = argparse.ArgumentParser(prog="python -m shared.messaging.users", description=(
        "The broker users of channel systems, departments, analysts and operations, with least-privilege "
        "permissions on the city's vhost (AMQP_URI)."))
    parser.add_argument("command", choices=["apply", "show"], help=(
        "apply: create or update them on the broker (rabbitmqctl import_definitions); "
        "show: print the definitions without passwords"))
    parser.add_argument("--any-broker", action="store_true", help=(
        "apply also to a broker that is not the project's own node (var/rabbitmq): without it, `make run` "
        "leaves a broker it did not start as it is and says how to apply"))
    arguments = parser.parse_args(argv)
    command = arguments.command
    settings, users = _users_from_config()
    vhost = vhost_of(settings["AMQP_URI"])
    if command == "show":
        print(json.dumps(definitions(users, vhost), indent=2))
        return 0
    from shared.messaging.broker import local_node_note, rabbitmqctl_argv
    if not (arguments.any_broker or local_node_note(settings["AMQP_URI"])):
        print("broker users: not applied: the broker at AMQP_URI is not the project's own node, and its users "
              "are its administrator's; to apply them there: python -m shared.messaging.users apply --any-broker")
        return 0
    document = definitions(users, vhost, passwords(users))
    try:
        apply(rabbitmqctl_argv(settings["AMQP_URI"]), document)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as exc:
        print(f"broker users: not applied ({exc}); on the broker's host run: "
              "python -m shared.messaging.users show > definitions.json, add passwords, "
              "rabbitmqctl import_definitions definitions.json", file=sys.stderr)
        return 1 if is_production() else 0
    where = "the environment" if is_production() else f"{SECRETS_DIR}/<user>.password"
    print(f"broker users: {len(users)} on vhost {vhost} (passwords in {where})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
