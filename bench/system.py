"""The system under test: started by the benchmark (tests' System, with replicas), or one already running.

BenchSystem extends tests/support/system.System without changing it: the settings
`make run` uses instead of the tests' fast timers, the legacy crews at their demo
pace, and N processes of a service as competing consumers on the same queues (each
on its own HTTP port, all on the service's one database).
"""
import os
from pathlib import Path

import yaml

from shared.config import load_service_config
from tests.support.databases import SERVICES
from tests.support.processes import ROOT, Process, free_port, nameko_process
from tests.support.system import LEGACY_SYSTEMS, System

# every department's system: the three of the tests' System and the three that need more wiring
ALL_SYSTEMS = (*LEGACY_SYSTEMS, "forestry", "transportation", "codeenforcement")
WEBHOOK_SECRET = "bench-webhook-secret"

DEV_SERVERS = {"mailcatcher": 8025, "smsgateway": 8026}
SERVICE_PORTS = {"intake": 8311, "metrics": 8312, "notifications": 8313, "workorders": 8314, "routing": 8315}


class BenchSystem(System):
    """The whole system on a vhost and databases of its own, `instances` processes per service."""

    def __init__(self, amqp_uri, database_urls, workdir, settings, instances=None, crew_speed="demo",
                 legacy=ALL_SYSTEMS):
        self.crew_speed = crew_speed
        super().__init__(amqp_uri, database_urls, workdir, legacy=legacy)
        self.amqp_uri = amqp_uri
        self.legacy_systems = tuple(legacy)
        self.env.update(self._department_wiring(workdir))
        self.env.update({k: str(v) for k, v in settings.items()})
        for process in (*self.legacy.values(), *self.services.values()):
            process.env = self.env
        for service, count in (instances or {}).items():
            for n in range(2, count + 1):
                self._add_replica(service, n)

    def _department_wiring(self, workdir):
        """Forestry's interface tables in a SQLite file, Transportation's queues on the benchmark's own
        vhost (their names carry a 'transportation.' prefix), Code Enforcement's webhooks to workorders."""
        wiring = {}
        if "forestry" in self.legacy_systems:
            wiring["FORESTRY_DATABASE_URL"] = f"sqlite:///{workdir}/legacy/forestry/interface.sqlite3"
        if "transportation" in self.legacy_systems:
            wiring["TRANSPORTATION_AMQP_URI"] = self.amqp_uri
        if "codeenforcement" in self.legacy_systems:
            wiring["CODEENFORCEMENT_WEBHOOK_URL"] = self.url("workorders", "/webhooks/codeenforcement")
            wiring["CODEENFORCEMENT_WEBHOOK_SECRET"] = WEBHOOK_SECRET
        return wiring

    def _legacy_process(self, name):
        process = super()._legacy_process(name)
        process.argv[process.argv.index("--crew-speed") + 1] = self.crew_speed
        return process

    def _add_replica(self, service, n):
        name, port = f"{service}-{n}", free_port()
        env = dict(self.env, **{f"{service.upper()}_HTTP_ADDRESS": f"127.0.0.1:{port}"})
        argv = nameko_process(service, env, port, self.workdir).argv
        self.ports[name] = port
        self.services[name] = Process(name, argv, env, f"http://127.0.0.1:{port}/health", self.workdir)

    def instances_of(self, service):
        return [name for name in self.services if name == service or name.startswith(f"{service}-")]

    def process_groups(self):
        """For the observer: each process by its pid."""
        return {name: ("pids", [p.popen.pid]) for name, p in (*self.services.items(), *self.legacy.items())}


class RunningSystem:
    """A system started by `make run` on the documented ports (AMQP_URI and the usual variables apply)."""

    def __init__(self):
        self.amqp_uri = os.environ.get("AMQP_URI", "amqp://guest:guest@localhost:5672/")
        self.env = dict(os.environ)
        self.legacy_systems = tuple(load_service_config("workorders")["WORK_ORDER_SYSTEMS"])
        self.ports = {**SERVICE_PORTS, **DEV_SERVERS, **{name: _legacy_port(name) for name in self.legacy_systems}}

    def url(self, name, path):
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def instances_of(self, service):
        return [service]

    def process_groups(self):
        groups = {s: ("cmdline", f"services.{s}.service") for s in SERVICES}
        groups.update({s: ("cmdline", f"legacy_systems.{s} ") for s in self.legacy_systems})
        groups.update({s: ("cmdline", f"devservers.{s}") for s in DEV_SERVERS})
        return groups

    def start(self):
        return self

    def stop(self):
        pass


def _legacy_port(name):
    settings = yaml.safe_load((Path(ROOT) / "legacy_systems" / name / "system.yaml").read_text())
    return int(os.environ.get(f"LEGACY_{name.upper()}_PORT", settings["default_port"]))
