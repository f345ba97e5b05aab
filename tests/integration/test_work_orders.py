"""The work-order bridge through the running system: each legacy system to closure, and through its faults.

Every case ends with exactly one legacy work order per request and the right final
public status, whatever the system did in between.
"""
import signal

import pytest
import requests

from tests.integration.test_request_lifecycle import legacy_orders, public_record, somewhere_new
from services.workorders.adapters import WorkOrderRequest, build_client
from tests.support.bus import BusTap
from tests.support.service_tokens import staff_headers
from tests.support.waiting import wait_until

REQUESTS = {
    "streets": {"service_code": "POTHOLE", "attribute[SIZE]": "large"},
    "watershed": {"service_code": "WATER_LEAK", "attribute[LEAK_SIDE]": "city_side",
                  "attribute[SEVERITY]": "steady"},
    "solidwaste": {"service_code": "MISSED_PICKUP", "attribute[SCHEDULED_DAY]": "2026-11-23T07:00:00-05:00",
                   "attribute[CART_OUT_BY_7AM]": "yes"},
}


def file_for(system, legacy):
    """A request (without a description: Open311 makes it optional) that routes to `legacy`."""
    form = {"api_key": "dev-web-key", **REQUESTS[legacy], **somewhere_new()}
    response = system.post("intake", "/open311/v2/requests.json", data=form)
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


def faults(system, legacy, **settings):
    requests.post(system.url(legacy, "/admin/faults"), json=settings, timeout=10).raise_for_status()


def closes_with_one_work_order(system, legacy, sid, timeout=90):
    wait_until(lambda: public_record(system, sid)["status"] == "closed", timeout, what=f"{sid} closed")
    orders = legacy_orders(system, sid, legacy)
    assert len(orders) == 1, orders
    return orders[0]


@pytest.mark.parametrize("legacy", sorted(REQUESTS))
def test_each_department_system_takes_the_request_and_brings_it_back_closed(system, legacy):
    sid = file_for(system, legacy)
    order = closes_with_one_work_order(system, legacy, sid)
    assert public_record(system, sid)["status_notes"].startswith("Closed:")
    assert len(order["history"]) >= 2


def test_errors_and_slowness_end_in_one_work_order(system):
    faults(system, "streets", clear=True, error_rate=0.5, slow_ms=300)
    ids = [file_for(system, "streets") for _ in range(3)]
    try:
        for sid in ids:
            wait_until(lambda: legacy_orders(system, sid, "streets"), 60, what=f"work order for {sid}")
    finally:
        faults(system, "streets", clear=True)
    for sid in ids:
        closes_with_one_work_order(system, "streets", sid)


@pytest.mark.parametrize("legacy", sorted(REQUESTS))
def test_killed_between_the_legacy_create_and_our_commit_no_second_work_order(system, legacy):
    """The legacy system got the create, our process died before recording it: the retry finds it."""
    system.services["workorders"].kill(signal.SIGKILL)
    try:
        with BusTap(system.amqp_uri) as tap:
            sid = file_for(system, legacy)
            routed = wait_until(lambda: tap.of_type("RequestRouted", sid), 30, what="RequestRouted")[0]["data"]
        # The create the dead process had sent, with our tracking id as the external reference.
        client = build_client(legacy, {"url": system.url(legacy, ""), "data_dir": f"{system.workdir}/legacy/{legacy}"})
        created = client.create(WorkOrderRequest(sid, routed["service_code"], "sent before the crash",
                                                 None, routed["lat"], routed["long"], routed["priority"]))
    finally:
        system.services["workorders"].start()
    order = closes_with_one_work_order(system, legacy, sid, timeout=120)
    assert order["legacy_id"] == created.legacy_id


def test_a_system_down_past_the_retry_budget_sends_to_triage_then_catches_up(system):
    with BusTap(system.amqp_uri) as tap:
        faults(system, "watershed", clear=True, down_for_seconds=8)
        sid = file_for(system, "watershed")
        failed = wait_until(lambda: tap.of_type("WorkOrderFailed", sid), 30, what="WorkOrderFailed")[0]
        assert failed["data"]["permanent"] is False and failed["data"]["reason"].startswith("watershed")
        wait_until(lambda: "Waiting for a 311 agent" in public_record(system, sid)["status_notes"], 30,
                   what="the request in triage, visibly")
        # Back up: the resend loop looks it up, then creates it, once.
        closes_with_one_work_order(system, "watershed", sid, timeout=120)
    triage = system.get("routing", "/api/triage", headers=staff_headers()).json()["triage"]
    assert sid not in [t["service_request_id"] for t in triage]


def test_a_department_system_slow_to_answer_does_not_hold_back_the_others(system):
    """Solid Waste answers its batch files only when it is up again; more of its creates waiting for their
    acknowledgement than workorders once had workers must not keep a pothole from reaching Streets."""
    faults(system, "solidwaste", clear=True, down_for_seconds=25)
    try:
        with BusTap(system.amqp_uri) as tap:
            waiting = [file_for(system, "solidwaste") for _ in range(25)]
            wait_until(lambda: all(tap.of_type("RequestRouted", sid) for sid in waiting), 30,
                       what="the Solid Waste requests routed")
        pothole = file_for(system, "streets")
        wait_until(lambda: legacy_orders(system, pothole, "streets"), 12,
                   what="the pothole's work order while Solid Waste's creates wait")
        assert all(not legacy_orders(system, sid, "solidwaste") for sid in waiting)  # still down, still waiting
    finally:
        faults(system, "solidwaste", clear=True)
    for sid in waiting:
        wait_until(lambda: len(legacy_orders(system, sid, "solidwaste")) == 1, 90, what=f"{sid}'s work order")
