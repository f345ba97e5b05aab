"""The whole city311 system, as real processes on a real broker, for integration and e2e tests."""
import os
import subprocess
import sys

import requests

from shared.persistence.migrations import upgrade
from tests.support.databases import SERVICES
from tests.support.processes import ROOT, Process, free_port, nameko_process

LEGACY_SYSTEMS = ("streets", "watershed", "solidwaste")
FAST = {
    "RETRY_DELAYS_SECONDS": "[0.2, 0.4, 0.8]",
    "OUTBOX_POLL_SECONDS": "0.2",
    "WORKORDERS_SYNC_SECONDS": "0.3",
    "WORKORDERS_RESEND_SECONDS": "1",
    "WORKORDERS_LEASE_SECONDS": "5",
    "BREAKER_COOLDOWN_SECONDS": "2",
    "SURVEY_DELAY_SECONDS": "1",
    "PYTHONWARNINGS": "ignore",
}


class System:
    """Five services and the simulated legacy systems, each in its own process and database."""

    def __init__(self, amqp_uri, database_urls, workdir, extra_env=None, legacy=LEGACY_SYSTEMS):
        self.workdir = workdir
        self.database_urls = database_urls
        self.ports = {name: free_port() for name in (*SERVICES, *legacy, "smtp", "mailcatcher", "smsgateway")}
        env = dict(os.environ, AMQP_URI=amqp_uri, **FAST, **(extra_env or {}))
        for service in SERVICES:
            env[f"{service.upper()}_DATABASE_URL"] = database_urls[service]
            env[f"{service.upper()}_HTTP_ADDRESS"] = f"127.0.0.1:{self.ports[service]}"
        for system in legacy:
            env[f"{system.upper()}_URL"] = f"http://127.0.0.1:{self.ports[system]}"
            env[f"{system.upper()}_DATA_DIR"] = f"{workdir}/legacy/{system}"
        env["WORK_ORDER_SYSTEMS"] = (extra_env or {}).get("WORK_ORDER_SYSTEMS") or f"[{', '.join(legacy)}]"
        env["SMTP_PORT"] = str(self.ports["smtp"])
        env["SMS_GATEWAY_URL"] = f"http://127.0.0.1:{self.ports['smsgateway']}"
        env["NOTIFICATIONS_PUBLIC_URL"] = f"http://127.0.0.1:{self.ports['notifications']}"  # survey links
        env["INTAKE_PUBLIC_URL"] = f"http://127.0.0.1:{self.ports['intake']}"   # photos' media_url
        env["TRACKING_BASE_URL"] = f"http://127.0.0.1:{self.ports['intake']}"   # /track links in messages
        self.env = env
        self.legacy = {name: self._legacy_process(name) for name in legacy}
        self.legacy.update(self._dev_servers())
        self.services = {name: nameko_process(name, env, self.ports[name], workdir) for name in SERVICES}

    def _legacy_process(self, name):
        port = self.ports[name]
        argv = [sys.executable, "-m", f"legacy_systems.{name}", "--port", str(port),
                "--data-dir", f"{self.workdir}/legacy/{name}", "--crew-speed", "fast"]
        return Process(name, argv, self.env, f"http://127.0.0.1:{port}/health", self.workdir)

    def _dev_servers(self):
        """The development stand-ins for a mail server and an SMS gateway, as real servers."""
        mail = [sys.executable, "-m", "devservers.mailcatcher", "--smtp-port", str(self.ports["smtp"]),
                "--http-port", str(self.ports["mailcatcher"])]
        sms = [sys.executable, "-m", "devservers.smsgateway", "--port", str(self.ports["smsgateway"]),
               "--webhook-url", self.url("notifications", "/api/sms/inbound")]
        return {"mailcatcher": Process("mailcatcher", mail, self.env, self.url("mailcatcher", "/health"), self.workdir),
                "smsgateway": Process("smsgateway", sms, self.env, self.url("smsgateway", "/health"), self.workdir)}

    def start(self):
        for service, url in self.database_urls.items():
            upgrade(service, url)
        self._declare_queues()
        for process in (*self.legacy.values(), *self.services.values()):
            process.start(wait=False)
        for process in (*self.legacy.values(), *self.services.values()):
            process.wait_healthy()
        return self

    def _declare_queues(self):
        done = subprocess.run([sys.executable, "-m", "shared.messaging.declare"], env=self.env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    def stop(self):
        for process in (*self.services.values(), *self.legacy.values()):
            process.stop()

    def url(self, name, path):
        return f"http://127.0.0.1:{self.ports[name]}{path}"

    def get(self, name, path, **kw):
        return requests.get(self.url(name, path), timeout=10, **kw)

    def post(self, name, path, **kw):
        return requests.post(self.url(name, path), timeout=10, **kw)

    def logs(self):
        return "\n".join(f"--- {p.name} ---\n{p.tail(30)}"
                         for p in (*self.services.values(), *self.legacy.values()))
