"""The work-order bridge to Forestry, Transportation and Code Enforcement through the running system.

The same guarantees as test_work_orders.py for the first three systems: each request closes with
exactly one legacy work order, through a system down past the retry budget (readable WorkOrderFailed,
then caught up) and a workorders process killed between the legacy create and our commit; duplicated
and out-of-order status changes are applied once and in order; reconciliation reports and mends drift.
Code Enforcement's signed webhooks arrive at the service's own endpoint: a bad signature is refused with
401 and logged, a webhook the system gave up on is caught up by the periodic look-up.

Forestry's interface tables are in SQLite when the services run on SQLite, in MariaDB when they run
on PostgreSQL.
"""
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest
import requests
import yaml
from sqlalchemy import create_engine, text

from legacy_systems.codeenforcement.webhooks import signature_headers
from services.workorders.adapters import WorkOrderRequest, build_client
from services.workorders.adapters.config import DEFAULT_CONFIG_DIR
from tests.integration.legacy.department_systems import mariadb_database, transportation_vhost
from tests.integration.test_request_lifecycle import legacy_orders, public_record, somewhere_new
from tests.integration.test_work_orders import closes_with_one_work_order
from tests.support.broker import isolated_vhost
from tests.support.databases import POSTGRES_ADMIN_URL, database_urls, postgres_reachable
from tests.support.processes import ROOT
from tests.support.system import System
from tests.support.waiting import wait_until

SYSTEMS = ("forestry", "transportation", "codeenforcement")
REQUESTS = {"forestry": {"service_code": "OVERGROWN_PARK"}, "transportation": {"service_code": "STREETLIGHT_OUT"},
            "codeenforcement": {"service_code": "OVERGROWN_LOT", "attribute[VACANT]": "yes"}}
WEBHOOK_SECRET = "integration-webhook-secret"
FAST_ANSWERS = {"forestry": {"answer_timeout_seconds": 1, "poll_interval_seconds": 0.05},
                "transportation": {"ack_timeout_seconds": 1, "poll_interval_seconds": 0.05},
                "codeenforcement": {"timeout_seconds": 2}}


def adapter_configs(folder, env):
    """The three systems' YAML with short waits, so a fault shows within a retry (WORKORDER_SYSTEMS_CONFIG_DIR).

    Once nameko's config loader has been imported, yaml.safe_load itself fills in
    `${VAR:default}` from os.environ, so the files are read with the system's
    environment in force: otherwise they would name the defaults (`make run`'s
    ports and files) instead of this system's.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with mock.patch.dict(os.environ, env):
        for name in SYSTEMS:
            config = yaml.safe_load((DEFAULT_CONFIG_DIR / f"{name}.yaml").read_text())
            (folder / f"{name}.yaml").write_text(yaml.safe_dump({**config, **FAST_ANSWERS[name]}))
    return folder


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def system(request, tmp_path_factory):
    """The whole system with the three department systems (not the first three), on a fresh vhost."""
    backend = request.param
    if backend == "postgresql" and not postgres_reachable():
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL} (set CITY311_TEST_POSTGRES_URL)")
    workdir = tmp_path_factory.mktemp(f"departments-{backend}")
    with ExitStack() as stack:
        uri = stack.enter_context(isolated_vhost())
        urls = stack.enter_context(database_urls(backend, workdir))
        forestry_db = (stack.enter_context(mariadb_database()) if backend == "postgresql"
                       else f"sqlite:///{workdir}/legacy/forestry/interface.sqlite3")
        env = {"FORESTRY_DATABASE_URL": forestry_db,
               "TRANSPORTATION_AMQP_URI": stack.enter_context(transportation_vhost()),
               "CODEENFORCEMENT_WEBHOOK_SECRET": WEBHOOK_SECRET}
        running = System(uri, urls, workdir, extra_env=env, legacy=SYSTEMS)
        running.env["CODEENFORCEMENT_WEBHOOK_URL"] = running.url("workorders", "/webhooks/codeenforcement")
        running.env["WORKORDER_SYSTEMS_CONFIG_DIR"] = str(adapter_configs(workdir / "workorder_systems", running.env))
        running.amqp_uri = uri
        try:
            running.start()
            yield running
        finally:
            running.stop()


@pytest.fixture(autouse=True)
def clear_faults(system):
    yield
    for name in SYSTEMS:
        admin(system, name, "/admin/faults", clear=True)
        admin(system, name, "/admin/crew", paused=False)


def admin(system, legacy, path, **body):
    response = requests.post(system.url(legacy, path), json=body, timeout=10)
    response.raise_for_status()
    return response.json()


def file_for(system, legacy):
    form = {"api_key": "dev-web-key", **REQUESTS[legacy], **somewhere_new()}
    response = system.post("intake", "/open311/v2/requests.json", data=form)
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


def link_created(system, sid, legacy):
    """The legacy work order, once the workorders service has recorded its id (WorkOrderCreated went out)."""
    wait_until(lambda: work_order_link(system, sid)["state"] == "created", 60, what=f"{sid} linked")
    [order] = legacy_orders(system, sid, legacy)
    return order


def work_order_link(system, sid):
    engine = create_engine(system.database_urls["workorders"])
    try:
        with engine.connect() as connection:
            row = connection.execute(text("SELECT * FROM work_order_links WHERE service_request_id = :sid"),
                                     {"sid": sid}).mappings().first()
        return dict(row) if row else {"state": None}
    finally:
        engine.dispose()


def update_link(system, sid, **values):
    engine = create_engine(system.database_urls["workorders"])
    try:
        with engine.begin() as connection:
            assignments = ", ".join(f"{name} = :{name}" for name in values)
            connection.execute(text(f"UPDATE work_order_links SET {assignments} WHERE service_request_id = :sid"),
                               {**values, "sid": sid})
    finally:
        engine.dispose()


def client_for(system, legacy):
    """A patient client, as another workorders process would build it (Transportation's journal: the service's
    database)."""
    env = system.env
    settings = {"forestry": {"database_url": env["FORESTRY_DATABASE_URL"], "answer_timeout_seconds": 20},
                "transportation": {"amqp_uri": env["TRANSPORTATION_AMQP_URI"],
                                   "journal_database_url": system.database_urls["workorders"],
                                   "ack_timeout_seconds": 20},
                "codeenforcement": {"url": env["CODEENFORCEMENT_URL"]}}[legacy]
    return build_client(legacy, settings)


def events_of(system, sid):
    """The events the workorders service published for one request, from its outbox, in order."""
    engine = create_engine(system.database_urls["workorders"])
    try:
        with engine.connect() as connection:
            payloads = connection.execute(text("SELECT payload FROM outbox ORDER BY id")).scalars().all()
    finally:
        engine.dispose()
    return [envelope for envelope in map(json.loads, payloads) if envelope["correlation_id"] == sid]


def sync_rounds(system, legacy):
    """When the service last finished a status sync with this system (changes on every round)."""
    engine = create_engine(system.database_urls["workorders"])
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT updated_at FROM sync_cursors WHERE work_order_system = :name"),
                                      {"name": legacy}).scalar()
    finally:
        engine.dispose()


@pytest.mark.parametrize("legacy", SYSTEMS)
def test_each_department_system_takes_the_request_and_brings_it_back_closed(system, legacy):
    sid = file_for(system, legacy)
    order = closes_with_one_work_order(system, legacy, sid)
    assert public_record(system, sid)["status_notes"].startswith("Closed:")
    assert len(order["history"]) >= 2


@pytest.mark.parametrize("legacy", SYSTEMS)
def test_a_system_down_past_the_retry_budget_sends_to_triage_then_catches_up(system, legacy):
    admin(system, legacy, "/admin/faults", clear=True, down_for_seconds=600)  # until the budget is spent
    sid = file_for(system, legacy)
    wait_until(lambda: work_order_link(system, sid)["state"] == "failed", 90, what="the link failed")
    failed = [e for e in events_of(system, sid) if e["event_type"] == "WorkOrderFailed"]
    assert len(failed) == 1 and failed[0]["data"]["permanent"] is False
    assert failed[0]["data"]["reason"].startswith(f"{legacy}: ") and len(failed[0]["data"]["reason"]) > 20
    wait_until(lambda: "Waiting for a 311 agent" in public_record(system, sid)["status_notes"], 60,
               what="the request in triage, visibly")
    admin(system, legacy, "/admin/faults", clear=True)
    closes_with_one_work_order(system, legacy, sid, timeout=120)  # back up: looked up, then created, once


@pytest.mark.parametrize("legacy", SYSTEMS)
def test_killed_between_the_legacy_create_and_our_commit_no_second_work_order(system, legacy):
    system.services["workorders"].kill(signal.SIGKILL)
    try:
        sid = file_for(system, legacy)
        # The create the dead process had sent, with our tracking id as the external reference.
        created = client_for(system, legacy).create(
            WorkOrderRequest(sid, REQUESTS[legacy]["service_code"], "sent before the crash", None, None, None,
                             "normal"))
    finally:
        system.services["workorders"].start()
    order = closes_with_one_work_order(system, legacy, sid, timeout=120)
    assert order["legacy_id"] == created.legacy_id


@pytest.mark.parametrize("legacy", SYSTEMS)
def test_duplicated_and_reordered_status_changes_are_applied_once_in_order(system, legacy):
    admin(system, legacy, "/admin/crew", paused=True)
    sid = file_for(system, legacy)
    legacy_id = link_created(system, sid, legacy)["legacy_id"]
    admin(system, legacy, "/admin/faults", duplicate_status=True, out_of_order_status=True)
    for _ in range(3):
        admin(system, legacy, "/admin/advance", legacy_id=legacy_id)
    admin(system, legacy, "/admin/advance", legacy_id=legacy_id, status=closed_status(legacy))
    closes_with_one_work_order(system, legacy, sid)
    for _ in range(3):  # more sync rounds, which may see the repeated changes again: nothing more may come out
        last = sync_rounds(system, legacy)
        wait_until(lambda: sync_rounds(system, legacy) != last, 30, what=f"another {legacy} sync round")
    changes = [e for e in events_of(system, sid) if e["event_type"] in ("WorkOrderUpdated", "WorkOrderClosed")]
    update_ids = [e["data"]["update_id"] for e in changes]
    assert len(update_ids) == len(set(update_ids)), update_ids
    assert changes[-1]["event_type"] == "WorkOrderClosed"
    assert [e["data"]["changed_at"] for e in changes] == sorted(e["data"]["changed_at"] for e in changes)


def closed_status(legacy):
    return {"forestry": "DONE", "transportation": "COMPLETED", "codeenforcement": "closed"}[legacy]


@pytest.mark.parametrize("legacy", SYSTEMS)
def test_reconciliation_reports_and_mends_drift(system, legacy):
    admin(system, legacy, "/admin/crew", paused=True)
    sid = file_for(system, legacy)
    legacy_id = link_created(system, sid, legacy)["legacy_id"]
    update_link(system, sid, legacy_id="LOST-REPLY")   # as if our record and theirs had drifted apart
    report = reconcile(system, legacy)
    assert report.returncode == 1, report.stderr
    drift = json.loads(report.stdout.splitlines()[0])
    assert (drift["kind"], drift["ours"], drift["theirs"], drift["repaired"]) == \
        ("legacy_id_mismatch", "LOST-REPLY", legacy_id, False)
    repaired = reconcile(system, legacy, "--repair")
    assert repaired.returncode == 0 and json.loads(repaired.stdout.splitlines()[0])["repaired"] is True
    assert work_order_link(system, sid)["legacy_id"] == legacy_id
    assert reconcile(system, legacy).stdout == ""  # nothing left to mend
    assert len(legacy_orders(system, sid, legacy)) == 1


def reconcile(system, legacy, *args):
    return subprocess.run([sys.executable, "-m", "services.workorders.reconcile", "--system", legacy, *args],
                          env=system.env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def signed(body: bytes, secret=WEBHOOK_SECRET, timestamp=None):
    return signature_headers(secret, body, int(timestamp or time.time()), "test-event")


def webhook(system, body: bytes, headers):
    return requests.post(system.url("workorders", "/webhooks/codeenforcement"), data=body, headers=headers,
                         timeout=10)


def case_event(legacy_id, sid, status, at, resolution=None):
    return json.dumps({"id": f"evt-{status}-{at}", "type": "case.status_changed", "created_at": at,
                       "data": {"case_id": legacy_id, "external_reference": sid, "status": status,
                                "resolution_code": resolution, "changed_at": at}}).encode()


def test_code_enforcement_webhooks_bad_signature_401_logged_repeats_and_reordering_applied_once(system):
    admin(system, "codeenforcement", "/admin/crew", paused=True)
    sid = file_for(system, "codeenforcement")
    legacy_id = link_created(system, sid, "codeenforcement")["legacy_id"]
    start = datetime.now(timezone.utc)
    at = [(start + timedelta(seconds=n)).isoformat() for n in range(3)]

    forged = case_event(legacy_id, sid, "closed", at[2], "complied")
    refused = webhook(system, forged, signed(forged, secret="not-the-secret"))
    assert refused.status_code == 401 and "signature does not match" in refused.json()["error"]
    stale = webhook(system, forged, signed(forged, timestamp=time.time() - 3600))
    assert stale.status_code == 401 and "timestamp" in stale.json()["error"]
    garbled = b'{"type": "case.status_changed", "data": {"case_id": '
    assert webhook(system, garbled, signed(garbled)).status_code == 400
    wait_until(lambda: system.services["workorders"].tail(200).count("webhook refused") >= 3, 10,
               what="each refusal in the workorders log")
    assert public_record(system, sid)["status"] != "closed"  # nothing refused was applied

    newest = case_event(legacy_id, sid, "closed", at[2], "complied")
    older = case_event(legacy_id, sid, "inspecting", at[1])
    for body in (newest, older, newest, older):  # repeated, and the older change after the newer one
        assert webhook(system, body, signed(body)).status_code == 204
    wait_until(lambda: public_record(system, sid)["status"] == "closed", 30, what="closed by the webhook")
    changes = [e for e in events_of(system, sid) if e["event_type"] in ("WorkOrderUpdated", "WorkOrderClosed")]
    assert [(e["event_type"], e["data"]["legacy_status"]) for e in changes] == [("WorkOrderClosed", "closed")]
    assert changes[0]["data"]["resolution"] == "The owner corrected the violation"
    assert webhook(system, b"{}", {"Content-Type": "application/json"}).status_code == 401  # unsigned
    other = requests.post(system.url("workorders", "/webhooks/forestry"), data=b"{}", timeout=10)
    assert other.status_code == 404 and "sends no webhooks" in other.json()["error"]


def test_code_enforcement_webhook_given_up_is_caught_by_the_periodic_look_up(system):
    simulator = system.legacy["codeenforcement"]
    admin(system, "codeenforcement", "/admin/crew", paused=True)
    sid = file_for(system, "codeenforcement")
    legacy_id = link_created(system, sid, "codeenforcement")["legacy_id"]
    system.services["workorders"].kill(signal.SIGKILL)
    try:
        given_up_before = simulator.tail(2000).count("giving up on change")
        admin(system, "codeenforcement", "/admin/advance", legacy_id=legacy_id, status="closed")
        wait_until(lambda: simulator.tail(2000).count("giving up on change") > given_up_before, 60,
                   what="the system giving up on the webhook")
    finally:
        system.services["workorders"].start()
    order = closes_with_one_work_order(system, "codeenforcement", sid)
    assert order["status"] == "closed"
