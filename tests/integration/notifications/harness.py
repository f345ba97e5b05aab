"""The notifications service alone, as a real process, with the real development mail and SMS servers."""
import os
import sys
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone

import requests

from shared.events import new_event
from shared.persistence.migrations import upgrade
from tests.support.bus import publish_raw
from tests.support.databases import POSTGRES_ADMIN_URL
from tests.support.processes import Process, free_port, nameko_process
from tests.support.waiting import wait_until

PRODUCERS = {"ReporterContactRecorded": "intake", "RequestStatusChanged": "intake",
             "RequestRouted": "routing", "RequestDuplicateDetected": "routing"}
FAST = {"RETRY_DELAYS_SECONDS": "[0.2, 0.4, 0.8]", "OUTBOX_POLL_SECONDS": "0.2", "PYTHONWARNINGS": "ignore",
        "NOTIFY_DISPATCH_SECONDS": "0.2", "NOTIFY_RETRY_BACKOFF_SECONDS": "0.3",
        "NOTIFY_RETRY_BACKOFF_MAX_SECONDS": "1", "NOTIFY_DELIVERY_MAX_ATTEMPTS": "8",
        "SURVEY_DELAY_SECONDS": "1", "QUIET_HOURS": "00:00-00:00", "NOTIFY_RATE_LIMIT_MAX": "0"}
WEBHOOK_KEY = "test-webhook-key"
SMS_KEY = "test-sms-key"


@contextmanager
def database_url(backend, workdir):
    """A fresh notifications database: a SQLite file, or a PostgreSQL database dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir}/notifications.sqlite"
        return
    import psycopg2
    from sqlalchemy.engine import make_url
    name = f"c311_notifications_{uuid.uuid4().hex[:8]}"
    _admin_execute(psycopg2, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin_execute(psycopg2, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(psycopg2, statement):
    # Not `with connection:` — psycopg2 2.9 opens a transaction there even in autocommit mode.
    connection = psycopg2.connect(POSTGRES_ADMIN_URL, connect_timeout=5)
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


class DevServers:
    """The mail catch-all and the SMS gateway on free ports, started and stopped by the test."""

    def __init__(self, workdir, webhook_url):
        self.smtp_port, self.mail_port, self.sms_port = free_port(), free_port(), free_port()
        env = dict(os.environ, PYTHONWARNINGS="ignore")
        self.mail = Process("mailcatcher", [sys.executable, "-m", "devservers.mailcatcher",
                                            "--smtp-port", str(self.smtp_port), "--http-port", str(self.mail_port)],
                            env, f"http://127.0.0.1:{self.mail_port}/health", workdir)
        self.sms = Process("smsgateway", [sys.executable, "-m", "devservers.smsgateway", "--port", str(self.sms_port),
                                          "--api-key", SMS_KEY, "--webhook-url", webhook_url,
                                          "--webhook-key", WEBHOOK_KEY],
                           env, f"http://127.0.0.1:{self.sms_port}/health", workdir)

    def start(self):
        self.mail.start(wait=False)
        self.sms.start(wait=False)
        self.mail.wait_healthy()
        self.sms.wait_healthy()
        return self

    def stop(self):
        self.mail.stop()
        self.sms.stop()

    def mail_url(self, path):
        return f"http://127.0.0.1:{self.mail_port}{path}"

    def sms_url(self, path):
        return f"http://127.0.0.1:{self.sms_port}{path}"

    def mails(self, to=None):
        messages = requests.get(self.mail_url("/api/messages"), timeout=5).json()["messages"]
        return [m for m in messages if to is None or to in m["to"]]

    def texts(self, to=None):
        messages = requests.get(self.sms_url("/api/messages"), timeout=5).json()["messages"]
        return [m for m in messages if to is None or m["to"] == to]

    def mail_faults(self, **faults):
        requests.post(self.mail_url("/api/faults"), json=faults, timeout=5).raise_for_status()

    def sms_faults(self, **faults):
        requests.post(self.sms_url("/api/faults"), json=faults, timeout=5).raise_for_status()

    def wait_mails(self, to, count=1, timeout=30):
        return wait_until(lambda: (m := self.mails(to)) and len(m) >= count and m, timeout,
                          what=f"{count} mail(s) to {to}")

    def wait_texts(self, to, count=1, timeout=30):
        return wait_until(lambda: (m := self.texts(to)) and len(m) >= count and m, timeout,
                          what=f"{count} text(s) to {to}")


class NotificationsProcess:
    """The nameko service with its own SQLite database, talking to the development servers."""

    def __init__(self, amqp_uri, database_url, workdir, servers, port, extra_env=None):
        self.amqp_uri, self.port, self.database_url = amqp_uri, port, database_url
        env = dict(os.environ, **FAST, AMQP_URI=amqp_uri, NOTIFICATIONS_DATABASE_URL=database_url,
                   NOTIFICATIONS_HTTP_ADDRESS=f"127.0.0.1:{port}", SMTP_HOST="127.0.0.1",
                   SMTP_PORT=str(servers.smtp_port), SMS_GATEWAY_URL=f"http://127.0.0.1:{servers.sms_port}",
                   SMS_GATEWAY_API_KEY=SMS_KEY, SMS_INBOUND_KEY=WEBHOOK_KEY,
                   NOTIFICATIONS_PUBLIC_URL=f"http://127.0.0.1:{port}", TRACKING_BASE_URL="http://track.test")
        env.update(extra_env or {})
        self.process = nameko_process("notifications", env, port, workdir)

    def start(self):
        upgrade("notifications", self.database_url)
        self.process.start()
        return self

    def stop(self):
        self.process.stop()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def publish(self, event_type, correlation_id, **data):
        """A valid event from its producer, published as that producer would; returns the envelope."""
        event = new_event(event_type, data, correlation_id, PRODUCERS[event_type])
        self.republish(event)
        return event

    def republish(self, event):
        publish_raw(self.amqp_uri, event["producer"], event["event_type"], event)

    def contact(self, sid, **changes):
        data = {"service_request_id": sid, "email": None, "phone": None, "first_name": "Ana",
                "last_name": "Diaz", "notify_by": "email", "language": "en", **changes}
        return self.publish("ReporterContactRecorded", sid, **data)

    def status(self, sid, stage, **changes):
        closed = stage in ("closed", "cancelled")
        data = {"service_request_id": sid, "status": "closed" if closed else "open", "previous_status": "open",
                "stage": stage, "status_notes": f"Stage {stage}", "agency_responsible": "Public Works – Streets",
                "expected_at": None, "changed_at": datetime.now(timezone.utc).isoformat(), **changes}
        return self.publish("RequestStatusChanged", sid, **data)

    def routed(self, sid, priority="normal"):
        return self.publish("RequestRouted", sid, service_request_id=sid, service_code="POTHOLE",
                            department="PW-STREETS", department_name="Public Works – Streets",
                            work_order_system="streets", priority=priority, district=None, neighbourhood=None,
                            due_at=None, rule_id="test", explanation="test", routed_by="routing")

    def notifications(self, sid):
        return requests.get(self.url(f"/api/requests/{sid}/notifications"), timeout=5).json()["notifications"]

    def wait_notifications(self, sid, probe, timeout=30, what="notifications"):
        return wait_until(lambda: probe(self.notifications(sid)), timeout, what=what)
