"""The system a chaos run drives: bench's BenchSystem, its processes run by supervisord.

Same wiring as `make bench` (five services, six department systems, mail catch-all,
SMS gateway, deploy/config's timers) on the run's own broker node and databases.
One service can be put behind a TCP proxy to the broker, for the connection-reset fault.
"""
import shlex
import subprocess
import sys

import requests

from bench.system import BenchSystem
from shared.persistence.migrations import upgrade
from tests.reliability.chaos.supervised import Supervisor, programs_for, wait_all_running
from tests.support.processes import ROOT
from tests.support.waiting import wait_until

MAIL_KEPT = 1_000_000   # the catch-all forgets the oldest mail past --keep: the duplicate check needs them all


class ChaosSystem(BenchSystem):
    """Every process a supervised program; supervisord restarts whatever dies."""

    def __init__(self, node, database_urls, workdir, settings, proxied=None, instances=None):
        # node: a BrokerNode, or anything with its uri and ctl() (make cluster's three-node cluster);
        # instances: {service: processes}, as bench's (make cluster runs two of each)
        super().__init__(node.uri, database_urls, workdir, settings, instances=instances, crew_speed="fast")
        self.node = node
        self.env["RABBITMQCTL"] = shlex.join(node.ctl())   # the transportation simulator's vhost: our node
        self.proxied = proxied     # (service, proxy) or None
        mail = self.legacy["mailcatcher"]
        mail.argv += ["--keep", str(MAIL_KEPT)]
        self.supervisor = None

    def programs(self):
        # a replica's own settings (its HTTP address) on top of the shared environment
        overrides = {p.name: {k: v for k, v in p.env.items() if self.env.get(k) != v}
                     for p in self.services.values() if p.env is not self.env}
        if self.proxied:
            service, proxy = self.proxied
            overrides.setdefault(service, {})["AMQP_URI"] = f"amqp://guest:guest@127.0.0.1:{proxy.port}/"
        return programs_for((*self.legacy.values(), *self.services.values()), self.env, ROOT, overrides)

    def start(self):
        for service, url in self.database_urls.items():
            upgrade(service, url)
        self._declare()
        self.supervisor = Supervisor(self.programs(), f"{self.workdir}/run", self.workdir).start()
        for process in (*self.legacy.values(), *self.services.values()):
            self._wait_healthy(process)
        return self

    def _declare(self):
        done = subprocess.run([sys.executable, "-m", "shared.messaging.declare"], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"declaring the queues failed: {done.stderr[-1000:]}")

    def _wait_healthy(self, process, timeout=120):
        wait_until(lambda: requests.get(process.health_url, timeout=2).status_code == 200, timeout, 0.3,
                   f"{process.name} healthy at {process.health_url}")

    def wait_running(self, timeout):
        return wait_all_running(self.supervisor, timeout)

    def pids(self):
        return {name: pid for name, (_, pid) in self.supervisor.states().items()}

    def process_names(self):
        return [*self.services, *self.legacy]

    def stop(self):
        if self.supervisor:
            self.supervisor.stop()
