"""Reopening a closed request through the running system (issue 22, item 3): staff reopen it on a department
system that can reopen (Streets: its own records show the work order reopened once) and on one that cannot
(Watershed: a second work order follows the first, said in the status note); the resident is told once, Open311
shows the request open again, metrics' first-time-fix rate drops, and it closes again as usual. A "not fixed"
survey answer reopens it when the jurisdiction says so, and only then. Routing's refusals are clear."""
import shutil
from pathlib import Path

import pytest
import requests

from tests.integration.conftest import _require
from tests.integration.test_request_lifecycle import POTHOLE, file_request, legacy_orders, public_record, somewhere_new
from tests.support.broker import isolated_vhost
from tests.support.bus import BusTap
from tests.support.databases import database_urls
from tests.support.service_tokens import staff_headers
from tests.support.system import System
from tests.support.waiting import wait_until

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "jurisdictions" / "sample"
WATER_LEAK = {"api_key": "dev-web-key", "service_code": "WATER_LEAK", "attribute[LEAK_SIDE]": "city_side",
              "attribute[SEVERITY]": "steady",
              "description": "Water running down the street", "email": "leak@example.org"}


def crew(system, legacy, paused):
    answer = system.post(legacy, "/admin/crew", json={"paused": paused})
    assert answer.status_code == 200 and answer.json() == {"paused": paused}, answer.text


def reopen(system, sid, body, headers=None):
    return system.post("routing", f"/api/requests/{sid}/reopen", json=body,
                       headers=staff_headers(staff="ana") if headers is None else headers)


def closed(system, sid):
    return wait_until(lambda: (r := public_record(system, sid))["status"] == "closed" and r, 90,
                      what=f"request {sid} to close")


def told(system, sid, template):
    return [n for n in system.get("notifications", f"/api/requests/{sid}/notifications").json()["notifications"]
            if n["template"] == template]


def first_time_fix(system, department):
    return system.get("metrics", "/api/quality").json()["first_time_fix"]["by_department"].get(department) or {}


def test_staff_reopen_on_a_system_that_can_reopen(system):
    with BusTap(system.amqp_uri) as tap:
        sid = file_request(system)
        closed(system, sid)
        wait_until(lambda: (first_time_fix(system, "PW-STREETS").get("closed") or 0) >= 1, 30,
                   what="metrics to count the closure")
        before = first_time_fix(system, "PW-STREETS")
        crew(system, "streets", paused=True)      # the crew waits: the request is seen open before it closes again
        try:
            answer = reopen(system, sid, {"reason": "Resident called: the hole is back"})
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"service_request_id": sid, "open": True, "reopened_by": "staff:ana"}

            record = wait_until(lambda: (r := public_record(system, sid))["status"] == "open" and r, 30,
                                what="Open311 to show the request open again")
            assert record["status_notes"] == "Reopened."
            [order] = legacy_orders(system, sid)
            assert order["status"] == "OPEN"
            assert [h["status"] for h in order["history"]].count("COMPLETE") == 1
            assert [h["status"] for h in order["history"]][-1] == "OPEN"
            wait_until(lambda: told(system, sid, "reopened"), 30, what="the reporter to be told of the reopening")
            after = wait_until(lambda: (f := first_time_fix(system, "PW-STREETS"))["reopened"] > before["reopened"]
                               and f, 30, what="metrics to count the reopening")
            assert after["rate"] < before["rate"]
            fact = system.get("metrics", f"/api/requests/{sid}").json()
            assert fact["reopened_at"] and fact["is_open"] is True
        finally:
            crew(system, "streets", paused=False)
        closed(system, sid)                          # the crew works it again: it closes as usual
        wait_until(lambda: len({e["event_id"] for e in tap.of_type("WorkOrderClosed", sid)}) == 2, 30,
                   what="the second WorkOrderClosed")
    assert len(told(system, sid, "reopened")) == 1
    [order] = legacy_orders(system, sid)
    assert [h["status"] for h in order["history"]].count("OPEN") == 2       # created, reopened once
    assert len({e["event_id"] for e in tap.of_type("RequestReopened", sid)}) == 1
    assert [e["data"]["reopened_by"] for e in tap.of_type("RequestReopened", sid)][0] == "staff:ana"
    reopened = {e["event_id"] for e in tap.of_type("WorkOrderUpdated", sid) if e["data"]["status"] == "reopened"}
    assert len(reopened) == 1


def test_staff_reopen_on_a_system_that_cannot_reopen_links_a_second_work_order(system):
    with BusTap(system.amqp_uri) as tap:
        sid = file_request(system, dict(WATER_LEAK, **somewhere_new()))
        closed(system, sid)
        [first] = legacy_orders(system, sid, "watershed")
        answer = reopen(system, sid, {"reason": "Still leaking"})
        assert answer.status_code == 200, answer.text
        [update] = wait_until(lambda: [e for e in tap.of_type("WorkOrderUpdated", sid)
                                       if e["data"]["status"] == "reopened"], 30, what="the reopened update")
        orders = legacy_orders(system, sid, "watershed")
        assert [o["legacy_id"] for o in orders][0] == first["legacy_id"] and len(orders) == 2
        second = orders[1]["legacy_id"]
        assert update["data"]["legacy_id"] == second
        assert update["data"]["note"] == (f"Reopened: watershed cannot reopen a work order, so new work order "
                                          f"{second} follows {first['legacy_id']}.")
        closed(system, sid)                          # the new work order's closure closes the request
        wait_until(lambda: [e for e in tap.of_type("WorkOrderClosed", sid) if e["data"]["legacy_id"] == second], 30,
                   what="the second work order's closure")
    assert len(legacy_orders(system, sid, "watershed")) == 2


def test_refusals(system):
    crew(system, "streets", paused=True)
    try:
        sid = file_request(system)
        wait_until(lambda: system.get("routing", f"/api/requests/{sid}", headers=staff_headers()).status_code == 200,
                   30, what="routing to know the request")
        answer = reopen(system, sid, {"reason": "r"})
        assert (answer.status_code, answer.json()) == (409, {"error": f"request {sid} is not closed"})
    finally:
        crew(system, "streets", paused=False)
    assert reopen(system, "26-9999999", {"reason": "r"}).status_code == 404
    assert reopen(system, sid, {"reason": ""}).json() == {"error": "missing: reason"}
    assert reopen(system, sid, {"reason": ""}).status_code == 400
    assert reopen(system, sid, {"reason": "r"}, headers={}).status_code == 401


def answer_not_fixed(system, sid, email):
    survey = wait_until(lambda: [m for m in system.get("mailcatcher", "/api/messages").json()["messages"]
                                 if email in m["to"] and "/survey/" in m["text"] and sid in m["text"]], 60,
                        what="the survey email")
    link = next(word for word in survey[0]["text"].split() if "/survey/" in word)
    answered = requests.post(link, data={"fixed": "no", "satisfaction": "1", "comment": "Still there"}, timeout=10)
    assert answered.status_code == 200, answered.text


def test_not_fixed_stays_on_the_follow_up_list_when_the_jurisdiction_does_not_reopen(system):
    sid = file_request(system, dict(POTHOLE, email="stays@example.org", **somewhere_new()))
    closed(system, sid)
    answer_not_fixed(system, sid, "stays@example.org")
    wait_until(lambda: [f for f in system.get("routing", "/api/follow-ups", headers=staff_headers()).json()
                        ["follow_ups"] if f["service_request_id"] == sid], 30, what="the follow-up list")
    # routing decides in the transaction that lists it: still closed, nothing reopened
    assert system.get("routing", f"/api/requests/{sid}", headers=staff_headers()).json()["open"] is False
    assert public_record(system, sid)["status"] == "closed"


@pytest.fixture(scope="module")
def reopening_system(tmp_path_factory):
    """The whole system with a jurisdiction that reopens on a "not fixed" answer (SQLite)."""
    _require("sqlite")
    workdir = tmp_path_factory.mktemp("system-reopening")
    city = workdir / "city"
    shutil.copytree(SAMPLE, city)
    settings = (city / "jurisdiction.yaml").read_text(encoding="utf-8")
    assert settings.count("reopen_on_not_fixed: false") == 1
    (city / "jurisdiction.yaml").write_text(settings.replace("reopen_on_not_fixed: false", "reopen_on_not_fixed: true"),
                                            encoding="utf-8")
    with isolated_vhost() as uri, database_urls("sqlite", workdir) as urls:
        running = System(uri, urls, workdir, extra_env={"CITY311_JURISDICTION": str(city)})
        running.amqp_uri = uri
        try:
            running.start()
            yield running
        finally:
            running.stop()


def test_not_fixed_reopens_when_the_jurisdiction_says_so(reopening_system):
    system = reopening_system
    with BusTap(system.amqp_uri) as tap:
        sid = file_request(system, dict(POTHOLE, email="auto@example.org", **somewhere_new()))
        closed(system, sid)
        crew(system, "streets", paused=True)
        try:
            answer_not_fixed(system, sid, "auto@example.org")
            [event] = wait_until(lambda: tap.of_type("RequestReopened", sid), 30, what="RequestReopened")
            assert event["data"]["reopened_by"] == "resident-survey"
            assert "not fixed" in event["data"]["reason"] and "Still there" in event["data"]["reason"]
            wait_until(lambda: public_record(system, sid)["status"] == "open", 30, what="the request open again")
            wait_until(lambda: told(system, sid, "reopened"), 30, what="the reporter told of the reopening")
            assert [h["status"] for h in legacy_orders(system, sid)[0]["history"]][-1] == "OPEN"
            assert [f for f in system.get("routing", "/api/follow-ups", headers=staff_headers()).json()["follow_ups"]
                    if f["service_request_id"] == sid] == []
        finally:
            crew(system, "streets", paused=False)
