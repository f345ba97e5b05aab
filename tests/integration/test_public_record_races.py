"""The public record when a request's events are handled at the same moment or in the wrong order, on real
SQLite and PostgreSQL.

WorkOrderUpdated and WorkOrderClosed come to intake on different queues, each handled by its own
batch worker: a crew's "in progress" and its "closed" a minute later can be applied by two
transactions at once. Whatever the interleaving, the newer change must be what residents see.
Events on different queues can also come in any order (an intake outage, a retry's delay): the real
intake process, fed a request's events backwards on the bus, shows what the natural order would.
"""
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import create_engine, select

from services.intake import public_record
from services.intake.models import ServiceRequest
from shared.persistence.migrations import upgrade
from shared.persistence.tables import outbox
from tests.integration.conftest import BACKENDS, _require
from tests.support.broker import isolated_vhost
from tests.support.bus import publish_raw
from tests.support.databases import database_urls
from tests.support.interleaving import Interleaving
from tests.support.processes import ROOT, free_port, nameko_process
from tests.support.system import FAST
from tests.support.waiting import wait_until
from tests.unit.services.conftest import event

REQUEST = "26-0000123"


@pytest.fixture
def intake_db(service_databases):
    uow = service_databases("intake")
    requested = datetime.now(timezone.utc) - timedelta(hours=2)
    with uow() as u:
        u.session.add(ServiceRequest(service_request_id=REQUEST, token="t", jurisdiction_id="j",
                                     service_code="POTHOLE", service_name="Pothole", description="",
                                     attributes={}, channel="web", status="open", stage="work_order_created",
                                     status_notes="", requested_at=requested, updated_at=requested))
    return uow


def test_a_closing_handled_while_an_older_update_is_being_applied_is_what_residents_see(intake_db, monkeypatch):
    now = datetime.now(timezone.utc)
    in_progress = event("WorkOrderUpdated", status="in_progress", changed_at=(now - timedelta(minutes=1)).isoformat())
    closed = event("WorkOrderClosed", changed_at=now.isoformat())
    race, is_stale = Interleaving(), public_record._is_stale

    def update_pauses_after_reading(record, data):
        if data.get("status") == "in_progress":
            race.pause()
        return is_stale(record, data)
    monkeypatch.setattr(public_record, "_is_stale", update_pauses_after_reading)

    def apply(handler, evt):
        with intake_db() as uow:
            handler(uow, evt)
    errors = race.run(lambda: apply(public_record.work_order_updated, in_progress),
                      lambda: apply(public_record.work_order_closed, closed))
    assert errors == []
    with intake_db() as uow:
        record = uow.session.query(ServiceRequest).one()
        assert (record.status, record.stage, record.status_notes) == ("closed", "closed", "Closed: Pothole filled")


@pytest.fixture(params=BACKENDS)
def intake_alone(request, tmp_path):
    """The intake process alone on its own vhost and database: the test plays routing and workorders."""
    _require(request.param)
    with isolated_vhost() as uri, database_urls(request.param, tmp_path) as urls:
        port = free_port()
        env = dict(os.environ, **FAST, AMQP_URI=uri, INTAKE_DATABASE_URL=urls["intake"],
                   INTAKE_HTTP_ADDRESS=f"127.0.0.1:{port}")
        upgrade("intake", urls["intake"])
        declared = subprocess.run([sys.executable, "-m", "shared.messaging.declare", "intake"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)  # bound before the first event
        assert declared.returncode == 0, declared.stderr
        process = nameko_process("intake", env, port, tmp_path).start()
        try:
            yield uri, f"http://127.0.0.1:{port}", create_engine(urls["intake"])
        finally:
            process.stop()


def test_a_request_s_events_fed_backwards_on_the_bus_leave_it_closed_with_every_fact_and_told_once(intake_alone):
    uri, intake_url, database = intake_alone
    filed = requests.post(f"{intake_url}/open311/v2/requests.json", timeout=10, data={
        "api_key": "dev-web-key", "service_code": "POTHOLE", "lat": "33.7490", "long": "-84.3880",
        "attribute[SIZE]": "large", "description": "Deep pothole"})
    assert filed.status_code == 200, filed.text
    sid = filed.json()[0]["service_request_id"]
    routed = event("RequestRouted", sid, service_request_id=sid)  # in the order they happen
    created = event("WorkOrderCreated", sid, service_request_id=sid, legacy_id="WO-BACKWARDS",
                    created_at=datetime.now(timezone.utc).isoformat())
    closed = event("WorkOrderClosed", sid, service_request_id=sid, changed_at=datetime.now(timezone.utc).isoformat())

    def public():
        return requests.get(f"{intake_url}/open311/v2/requests/{sid}.json", params={"extensions": "true"},
                            timeout=10).json()[0]
    publish_raw(uri, "workorders", "WorkOrderClosed", closed)
    wait_until(lambda: public()["status"] == "closed", 30, what="the closing to be applied")
    publish_raw(uri, "workorders", "WorkOrderCreated", created)
    publish_raw(uri, "routing", "RequestRouted", routed)

    def late_facts_applied():
        with database.connect() as connection:
            row = connection.execute(select(ServiceRequest.legacy_id, ServiceRequest.agency_responsible)
                                     .where(ServiceRequest.service_request_id == sid)).one()
        return row == ("WO-BACKWARDS", "Public Works – Streets")
    wait_until(late_facts_applied, 30, what="the late creation's legacy id and the late routing's agency")
    record = public()
    assert (record["status"], record["status_notes"]) == ("closed", "Closed: Pothole filled")
    assert [n["type"] for n in record["notes"]] == ["received", "closed"]
    with database.connect() as connection:
        payloads = connection.execute(select(outbox.c.payload).order_by(outbox.c.id)).scalars().all()
    told = [json.loads(p)["data"]["stage"] for p in payloads if json.loads(p)["event_type"] == "RequestStatusChanged"]
    assert told == ["received", "closed"]
    database.dispose()
