"""Starts a simulator: command line, storage, crew, admin API, protocol, clean shutdown.

Each system's ``__main__`` calls ``run_simulator`` with a function that builds
its protocol from the shared ``SimulatorContext``.
"""
import argparse
import importlib.resources
import logging
import os
import random
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Response

from .admin import AdminApi
from .crew import SPEED_PROFILES, Crew
from .faults import FaultInjector
from .periodic import PeriodicTask
from .protocol_faults import FaultyProtocol
from .rules import WorkOrderRules
from .storage import WorkOrderStore
from .workflow import Workflow

log = logging.getLogger("server")


@dataclass
class SimulatorContext:
    """Everything a protocol needs from the shared simulator."""

    config: dict
    args: argparse.Namespace
    store: WorkOrderStore
    rules: WorkOrderRules
    faults: FaultInjector
    crew: Crew


@dataclass
class Protocol:
    """What a system adds: an HTTP app served beside /admin, and/or background loops."""

    app: Callable | None = None
    error_response: Callable[[], Response] | None = None
    tasks: list[PeriodicTask] = field(default_factory=list)


def run_simulator(package: str, build_protocol: Callable[[SimulatorContext], Protocol],
                  add_arguments: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """Run the simulator in ``package`` until SIGTERM or SIGINT."""
    config = yaml.safe_load((importlib.resources.files(package) / "system.yaml").read_text())
    args = parse_arguments(config, add_arguments)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO,
                        format=f"%(asctime)s {config['name']} %(name)s: %(message)s")
    context = build_context(config, args)
    protocol = build_protocol(context)
    server = make_server(args.host, args.port, SimulatorApp(context, protocol), threaded=True,
                         request_handler=PlainRequestLog)
    speed = SPEED_PROFILES[args.crew_speed]
    tasks = [PeriodicTask("crew", speed["tick_seconds"], context.crew.tick), *protocol.tasks]
    serve_until_signalled(server, tasks)
    context.store.close()
    log.info("stopped")


def parse_arguments(config: dict, add_arguments) -> argparse.Namespace:
    """Command line, with LEGACY_* environment variables as defaults."""
    name = config["name"]
    parser = argparse.ArgumentParser(prog=f"python -m legacy_systems.{name}", description=config["department"])
    parser.add_argument("--host", default=os.environ.get("LEGACY_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get(f"LEGACY_{name.upper()}_PORT",
                                                                       config["default_port"])))
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("LEGACY_DATA_DIR", "var/legacy")) / name)
    parser.add_argument("--crew-speed", choices=sorted(SPEED_PROFILES),
                        default=os.environ.get("LEGACY_CREW_SPEED", "demo"))
    parser.add_argument("--seed", type=int, default=None, help="seed the crew and fault dice (repeatable runs)")
    if add_arguments:
        add_arguments(parser)
    return parser.parse_args()


def build_context(config: dict, args: argparse.Namespace) -> SimulatorContext:
    """Open storage and wire the shared parts together."""
    rng = random.Random(args.seed)
    workflow = Workflow.from_config(config)
    store = WorkOrderStore(args.data_dir / f"{config['name']}.sqlite3", config["id_format"])
    crew = Crew(store, workflow, SPEED_PROFILES[args.crew_speed], rng)
    return SimulatorContext(config=config, args=args, store=store,
                            rules=WorkOrderRules(store, workflow, config["categories"]),
                            faults=FaultInjector(random.Random(rng.random())), crew=crew)


class SimulatorApp:
    """Sends /health and /admin/* to the admin API, everything else to the (faulty) protocol."""

    def __init__(self, context: SimulatorContext, protocol: Protocol):
        self._admin = AdminApi(context.config["name"], context.store, context.faults, context.crew)
        self._protocol = protocol.app and FaultyProtocol(protocol.app, context.faults, protocol.error_response)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/health" or path.startswith("/admin/") or self._protocol is None:
            return self._admin(environ, start_response)
        return self._protocol(environ, start_response)


def serve_until_signalled(server, tasks: list[PeriodicTask]) -> None:
    """Serve HTTP and run the loops until SIGTERM/SIGINT, then stop them all."""
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    for task in tasks:
        task.start()
    log.info("listening on http://%s:%s", server.host, server.port)
    while not stopping.wait(0.5):
        pass
    log.info("shutting down")
    for task in tasks:
        task.stop()
    server.shutdown()


class PlainRequestLog(WSGIRequestHandler):
    """One plain line per request (Werkzeug's default adds terminal colours and the client address)."""

    def log_request(self, code="-", size="-") -> None:
        logging.getLogger("http").info("%s %s %s", self.command, self.path, code)
