"""Moving Streets from its legacy adapter to direct events mid-flight: every request keeps its link, none is lost or doubled.

The switch is what an operator does: point the department at `direct-streets`
in departments.yaml, add `direct-streets` to WORK_ORDER_SYSTEMS (keeping
`streets`, which still holds open work orders), restart routing and workorders.
Requests are in flight at every stage: work orders open in the old system (one
in progress), requests filed while routing and workorders are down, and
requests filed after.
"""
import pytest

from tests.integration.bus.conftest import assign_systems, running_system, work_order_systems
from tests.integration.bus.pika_clients import DepartmentClient
from tests.integration.conftest import BACKENDS, _require
from tests.support.bus import BusTap, get_one
from tests.support.system import LEGACY_SYSTEMS
from tests.support.waiting import wait_until

PLACES = [(33.710641, -84.386717), (33.729949, -84.386969), (33.813341, -84.385115), (33.830208, -84.384849),
          (33.846177, -84.385020), (33.861133, -84.385122), (33.767326, -84.389247), (33.780154, -84.388925)]


@pytest.fixture(scope="module", params=BACKENDS)
def system(request, tmp_path_factory):
    """Every department on its legacy adapter, to begin with."""
    _require(request.param)
    workdir = tmp_path_factory.mktemp(f"bus-switch-{request.param}")
    with running_system(request.param, workdir, {}, LEGACY_SYSTEMS) as running:
        yield running


def file_pothole(system, place):
    form = {"api_key": "dev-web-key", "service_code": "POTHOLE", "lat": place[0], "long": place[1],
            "attribute[SIZE]": "large", "description": "switch test"}
    response = system.post("intake", "/open311/v2/requests.json", data=form)
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


def streets_orders(system):
    return system.get("streets", "/admin/workorders").json()["workorders"]


def switch_streets_to_direct_events(system):
    assign_systems(system.jurisdiction, {"PW-STREETS": "direct-streets"})
    system.env["WORK_ORDER_SYSTEMS"] = work_order_systems([*LEGACY_SYSTEMS, "direct-streets"])
    for name in ("routing", "workorders"):
        system.services[name].stop()


def test_switching_a_department_mid_flight_loses_and_duplicates_nothing(system):
    places = iter(PLACES)
    system.post("streets", "/admin/crew", json={"paused": True})
    with BusTap(system.amqp_uri) as tap:
        before = [file_pothole(system, next(places)) for _ in range(3)]
        wait_until(lambda: all(tap.of_type("WorkOrderCreated", sid) for sid in before), 90, 0.2,
                   "the work orders in the legacy Streets system")
        started = next(w for w in streets_orders(system) if w["external_reference"] == before[0])
        system.post("streets", "/admin/advance", json={"legacy_id": started["legacy_id"]})

        switch_streets_to_direct_events(system)
        during = [file_pothole(system, next(places)) for _ in range(2)]  # accepted, not routed yet
        for name in ("workorders", "routing"):
            system.services[name].start()
        after = [file_pothole(system, next(places)) for _ in range(2)]

        department = DepartmentClient(system.amqp_uri, "PW-STREETS")
        try:
            department.wait_for_queue()
            new = during + after
            work_orders = department.wait_for(lambda m: m.type == "department.routed.v1", "the new work orders",
                                              count=len(new), timeout=90)
            for message in work_orders:
                order, sid = message.body["work_order_id"], message.body["service_request_id"]
                department.report(order, sid, "assigned")
                department.report(order, sid, "closed", resolution="Pothole filled", resolution_code="FILL")
            system.post("streets", "/admin/crew", json={"paused": False})

            everyone = before + new
            wait_until(lambda: all(len(tap.of_type("WorkOrderClosed", sid)) == 1 for sid in everyone), 120, 0.3,
                       "every request closed")
            department.drain()
        finally:
            department.close()

    closed_on_record = [system.get("intake", f"/open311/v2/requests/{sid}.json").json()[0]["status"]
                        for sid in everyone]
    assert closed_on_record == ["closed"] * len(everyone)
    # each request has exactly one work order, in the system it was routed to
    assert sorted(w["external_reference"] for w in streets_orders(system)) == sorted(before)
    routed_to_department = [m.body["service_request_id"] for m in department.received
                            if m.type == "department.routed.v1"]
    assert sorted(routed_to_department) == sorted(new)
    created = {sid: [e["data"]["work_order_system"] for e in tap.of_type("WorkOrderCreated", sid)]
               for sid in everyone}
    assert created == {**{sid: ["streets"] for sid in before}, **{sid: ["direct-streets"] for sid in new}}
    assert all(len(tap.of_type("WorkOrderClosed", sid)) == 1 for sid in everyone)
    assert get_one(system.amqp_uri, "workorders.dlq", timeout=1) is None
