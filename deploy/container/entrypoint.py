"""The image's entrypoint: one word names the process to run, as deploy/Procfile runs it.

    city311 intake | routing | workorders | notifications | metrics     a service (nameko run ...)
    city311 streets | watershed | ... | mailcatcher | smsgateway        a development stand-in
    city311 migrate [service ...]                                        Alembic migrations, then exit
    city311 declare [service ...]                                        the services' queues, then exit

The commands are deploy/Procfile's lines (its ${VAR:-default} expanded from the environment), so the
image runs exactly what `make run` and systemd run; extra words are appended to the command. The
process replaces this one (exec): it is the container's main process and receives its signals.
"""
import os
import sys
from pathlib import Path

from shared.production import placeholders
from shared.supervision import procfile_programs

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROCFILE = PROJECT_ROOT / "deploy" / "Procfile"
CONFIG_DIR = PROJECT_ROOT / "deploy" / "config"
# Where the container's HEALTHCHECK (deploy/container/healthcheck.py) finds the service's /health.
HEALTH_URL_FILE = Path(os.environ.get("CITY311_HEALTH_URL_FILE", "/tmp/city311-health-url"))
NOT_IN_IMAGE = {"announce"}   # prints make run's URLs for a person at a terminal: no use in a container
ONE_SHOT = {
    "migrate": (".venv/bin/python", "-m", "shared.persistence.migrations"),
    "declare": (".venv/bin/python", "-m", "shared.messaging.declare"),
}


class UnknownCommand(ValueError):
    """The word names no process of the image."""


def commands(environ=None, procfile=PROCFILE):
    """{name: argv} of every process the image runs."""
    found = {program.name: tuple(program.argv) for program in procfile_programs(procfile, environ)
             if program.name not in NOT_IN_IMAGE}
    return {**found, **ONE_SHOT}


def command_for(name, extra=(), environ=None, procfile=PROCFILE):
    """The argv that runs `name` (relative to the project root), `extra` words appended."""
    known = commands(environ, procfile)
    if name not in known:
        raise UnknownCommand(f"no process named {name!r} in this image; one of: {', '.join(sorted(known))}")
    return (*known[name], *extra)


def health_url(command, environ=None, config_dir=CONFIG_DIR):
    """http://127.0.0.1:<port>/health of the service `command` runs (its WEB_SERVER_ADDRESS); None if no service."""
    if "--config" not in command:
        return None
    config_file = Path(config_dir) / Path(command[command.index("--config") + 1]).name
    env_var, default = placeholders(config_file)["WEB_SERVER_ADDRESS"]
    address = (os.environ if environ is None else environ).get(env_var, default) if env_var else default
    return f"http://127.0.0.1:{address.rpartition(':')[2]}/health"


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("\nprocesses:", ", ".join(sorted(commands())))
        return 0 if argv else 2
    try:
        command = command_for(argv[0], argv[1:])
    except UnknownCommand as error:
        print(f"city311: {error}", file=sys.stderr)
        return 2
    os.chdir(PROJECT_ROOT)
    url = health_url(command)
    if url:
        HEALTH_URL_FILE.write_text(url)
    os.execvp(command[0], command)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
