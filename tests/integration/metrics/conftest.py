"""The metrics service alone, as a real process on a vhost of its own, with a month of facts already folded."""
import os
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
import requests
from sqlalchemy.orm import sessionmaker

from services.metrics import facts
from shared.persistence.engine import make_engine
from shared.persistence.migrations import upgrade
from shared.persistence.unit_of_work import UnitOfWork
from tests.integration.conftest import BACKENDS, _require
from tests.integration.metrics.city_events import month_of_events
from tests.support.broker import isolated_vhost
from tests.support.databases import database_urls
from tests.support.processes import free_port, nameko_process
from tests.support.system import FAST


@dataclass
class RunningMetrics:
    amqp_uri: str
    port: int
    backend: str
    database_url: str
    process: object

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path, **kw):
        return requests.get(self.url(path), timeout=10, **kw)


def fold(database_url, events):
    """Fold events straight into a metrics database, as the service would have."""
    sessions = sessionmaker(make_engine(database_url), expire_on_commit=False)
    for event in events:
        with UnitOfWork(sessions, "metrics") as uow:
            if event["event_type"] == "InformationRequestLogged":
                facts.record_information(uow, event)
            else:
                facts.record(uow, event)


@pytest.fixture(scope="module", params=BACKENDS)
def metrics_service(request, tmp_path_factory):
    """Yields RunningMetrics; its database starts with a month of a small city's facts (and their stream
    messages still in the outbox, which the relay then catches up on)."""
    _require(request.param)
    workdir = tmp_path_factory.mktemp(f"metrics-{request.param}")
    with isolated_vhost() as uri, database_urls(request.param, workdir) as urls:
        url = urls["metrics"]
        upgrade("metrics", url)
        fold(url, month_of_events(datetime.now(timezone.utc)))
        port = free_port()
        env = dict(os.environ, **FAST, AMQP_URI=uri, METRICS_DATABASE_URL=url,
                   METRICS_HTTP_ADDRESS=f"127.0.0.1:{port}", METRICS_STREAM_MEASURES_SECONDS="1")
        process = nameko_process("metrics", env, port, workdir)
        process.start()
        try:
            yield RunningMetrics(uri, port, request.param, url, process)
        finally:
            process.stop()
