"""What the legacy adapter tests need beyond the shared simulator fixtures, per department system.

A service code each system takes, a fresh MariaDB database for Forestry, a
fresh vhost for Transportation (the simulator creates it itself when
rabbitmqctl is at hand), a stand-in for the workorders service's webhook
endpoint for Code Enforcement, and the simulator arguments and client settings
that point an adapter at one running simulator of any of the six systems.
"""
import shutil
import subprocess
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from services.workorders.adapters.codeenforcement_events import WebhookRejected, verify_and_parse_webhook
from shared.messaging.broker import rabbitmqctl_argv
from shared.persistence.migrations import upgrade
from tests.support.broker import BASE_URI, _with_vhost, isolated_vhost

MARIADB_ADMIN_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
SERVICE_CODES = {"streets": "POTHOLE", "watershed": "WATER_LEAK", "solidwaste": "MISSED_PICKUP",
                 "forestry": "DOWNED_TREE", "transportation": "TRAFFIC_SIGNAL", "codeenforcement": "GRAFFITI"}
WEBHOOK_SECRET = "test-webhook-secret"


@contextmanager
def mariadb_database():
    """The URL of a new, empty MariaDB database, dropped afterwards; skips the test when MariaDB is unreachable."""
    import pymysql
    try:
        admin = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="", connect_timeout=3,
                                autocommit=True)
    except pymysql.MySQLError as error:
        pytest.skip(f"MariaDB not reachable at 127.0.0.1:3306 as root ({error})")
    name = f"c311_forestry_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    try:
        yield MARIADB_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.close()


@contextmanager
def own_backend(name: str):
    """What a second simulator of ``name`` needs to keep to itself: Transportation's vhost (others: None)."""
    if name != "transportation":
        yield None
        return
    with transportation_vhost() as uri:
        yield uri


@contextmanager
def transportation_vhost():
    """An AMQP URI on a vhost that no one else uses, deleted afterwards.

    With rabbitmqctl at hand the vhost does not exist yet: the simulator must create it.
    """
    if not shutil.which(rabbitmqctl_argv(BASE_URI)[0]):
        with isolated_vhost() as uri:
            yield uri
        return
    vhost = f"c311-transportation-{uuid.uuid4().hex[:8]}"
    try:
        yield _with_vhost(BASE_URI, vhost)
    finally:
        subprocess.run([*rabbitmqctl_argv(BASE_URI), "delete_vhost", vhost], capture_output=True, timeout=60, check=False)


def simulator_arguments(name: str, backend: str | None) -> list[str]:
    """Extra command-line arguments of a simulator: its database or broker; no webhook unless asked."""
    return {"streets": [], "watershed": [], "solidwaste": [],
            "forestry": ["--job-seconds", "0.05", *(["--database-url", backend] if backend else [])],
            "transportation": ["--amqp-uri", backend or ""],
            "codeenforcement": ["--webhook-url", backend or "", "--webhook-secret", WEBHOOK_SECRET]}[name]


def client_settings(simulator, backend: str | None, journal_dir: Path) -> dict:
    """build_client settings pointing at one running simulator.

    Streets and Watershed keep their file's timeouts and Solid Waste its ACK timeout; the others wait
    briefly, so faults show quickly.
    """
    if simulator.name in ("streets", "watershed"):
        return {"url": simulator.url}
    if simulator.name == "solidwaste":
        return {"data_dir": str(simulator.data_dir), "poll_interval_seconds": 0.05}
    if simulator.name == "forestry":
        url = backend or f"sqlite:///{simulator.data_dir / 'interface.sqlite3'}"
        return {"database_url": url, "answer_timeout_seconds": 5, "poll_interval_seconds": 0.05}
    if simulator.name == "transportation":
        return {"amqp_uri": backend, "journal_database_url": workorders_database(journal_dir),
                "ack_timeout_seconds": 5, "poll_interval_seconds": 0.05}
    if simulator.name != "codeenforcement":
        raise ValueError(f"no client settings for simulator {simulator.name!r}")
    return {"url": simulator.url, "timeout_seconds": 2, "overlap_seconds": 60, "webhook_secret": WEBHOOK_SECRET}


class WebhookReceiver:
    """Stands in for the workorders service's endpoint: verify_and_parse_webhook, then 204 / 401 / 400."""

    def __init__(self, secret: str = WEBHOOK_SECRET):
        self.secret = secret
        self.changes = []
        self.rejections = []
        self._server = make_server("127.0.0.1", 0, self, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.port}/webhooks/codeenforcement"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            changes = verify_and_parse_webhook(request.headers, request.get_data(), self.secret,
                                               datetime.now(timezone.utc))
        except WebhookRejected as rejection:
            self.rejections.append(rejection)
            return Response(rejection.reason, status=rejection.http_status)(environ, start_response)
        self.changes.extend(changes)
        return Response(status=204)(environ, start_response)

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()


def workorders_database(folder: Path) -> str:
    """A migrated workorders database in `folder` (made once): where Transportation's client keeps its journal."""
    url = f"sqlite:///{folder / 'workorders.sqlite'}"
    upgrade("workorders", url)
    return url
