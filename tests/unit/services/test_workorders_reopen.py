"""Workorders hears RequestReopened: a system that can reopen is asked once per reopen (a redelivery does not ask
again), one that cannot gets a new work order naming the first; WorkOrderUpdated "reopened" goes out once, and the
reopened work order closes again as usual. Real SQLite, fake department clients."""
from datetime import datetime, timezone

import pytest
from nameko.testing.services import worker_factory

from services.workorders import links
from services.workorders.adapters import LegacyWorkOrder, PermanentError, StatusChange, TransientError
from services.workorders.breaker import CircuitBreaker
from services.workorders.dependencies import GuardedSystem
from services.workorders.service import WorkOrdersService
from tests.unit.services.conftest import event, outbox_events, unit_of_work  # noqa: F401 (fixture)

SID = "26-0000123"


class Department:
    """A department system's client that keeps its work orders in a dict."""

    def __init__(self, can_reopen, refuse_reopen=None, fail_reopen=0):
        self.can_reopen = can_reopen
        self.orders, self.reopens, self.creates = {}, [], []
        self.refuse_reopen, self.fail_reopen = refuse_reopen, fail_reopen

    def find_by_reference(self, reference):
        found = [o for o in self.orders.values() if o.external_reference == reference]
        return found[0] if found else None

    def create(self, request):
        order = LegacyWorkOrder(f"WO-{len(self.orders) + 1}", request.service_request_id, "OPEN")
        self.orders[order.legacy_id] = order
        self.creates.append(request)
        return order

    def reopen(self, legacy_id, reason, reopen_id):
        if self.fail_reopen:
            self.fail_reopen -= 1
            raise TransientError("streets", "timed out")
        if self.refuse_reopen:
            raise PermanentError("streets", self.refuse_reopen)
        self.reopens.append((legacy_id, reason, reopen_id))


def service(uow, client):
    return worker_factory(WorkOrdersService, uow=uow,
                          systems={"streets": GuardedSystem("streets", client, CircuitBreaker("streets"))})


def closed_work_order(unit_of_work, client):  # noqa: F811
    workorders = service(unit_of_work("workorders"), client)
    workorders.create_work_order(event("RequestRouted", SID, service_request_id=SID))
    with workorders.uow() as uow:
        links.apply_change(uow, "streets", change("h1", "WO-1", "closed", datetime(2026, 11, 24, tzinfo=timezone.utc)))
    return workorders


def change(change_id, legacy_id, status, at):
    return StatusChange(change_id, legacy_id, SID, status.upper(), status, "Pothole filled", at)


def published(workorders, event_type):
    return [e["data"] for e in outbox_events(workorders.uow) if e["event_type"] == event_type]


def reopened(**data):
    return event("RequestReopened", SID, **{"service_request_id": SID, "reopened_at": "2026-11-25T10:00:00+00:00",
                                            "reason": "the hole is back", **data})


def test_a_system_that_can_reopen_is_asked_once_and_the_reopen_is_published_once(unit_of_work):  # noqa: F811
    client = Department(can_reopen=True)
    workorders = closed_work_order(unit_of_work, client)
    reopen = reopened()
    workorders.reopen_work_order(reopen)
    workorders.reopen_work_order(reopen)          # redelivered: recorded, not asked again

    assert client.reopens == [("WO-1", "the hole is back", reopen["event_id"])]
    assert len(client.creates) == 1
    [update] = [u for u in published(workorders, "WorkOrderUpdated") if u["status"] == "reopened"]
    assert (update["legacy_id"], update["note"]) == ("WO-1", "Reopened.")
    # The crew works it again and closes it: the request closes as usual.
    with workorders.uow() as uow:
        links.apply_change(uow, "streets", change("h2", "WO-1", "closed", datetime(2026, 11, 26, tzinfo=timezone.utc)))
    assert len(published(workorders, "WorkOrderClosed")) == 2


def test_a_system_that_cannot_reopen_gets_a_new_work_order_linked_to_the_first(unit_of_work):  # noqa: F811
    client = Department(can_reopen=False)
    workorders = closed_work_order(unit_of_work, client)
    workorders.reopen_work_order(reopened())

    assert client.reopens == [] and len(client.creates) == 2
    assert client.creates[1].description.startswith("REOPENED (follows work order WO-1, closed): the hole is back")
    [update] = [u for u in published(workorders, "WorkOrderUpdated") if u["status"] == "reopened"]
    assert update["legacy_id"] == "WO-2"
    assert "cannot reopen a work order, so new work order WO-2 follows WO-1" in update["note"]
    with workorders.uow() as uow:   # exactly one live work order: the new one's changes count, the old one's not
        link = links.locked(uow, SID)
        assert (link.legacy_id, link.previous_legacy_id) == ("WO-2", "WO-1")
        links.apply_change(uow, "streets", change("h2", "WO-1", "closed", datetime(2026, 11, 26, tzinfo=timezone.utc)))
    assert len(published(workorders, "WorkOrderClosed")) == 1
    with workorders.uow() as uow:
        links.apply_change(uow, "streets", change("h3", "WO-2", "closed", datetime(2026, 11, 27, tzinfo=timezone.utc)))
    assert [c["legacy_id"] for c in published(workorders, "WorkOrderClosed")] == ["WO-1", "WO-2"]


def test_a_refused_reopen_is_followed_by_a_new_work_order(unit_of_work):  # noqa: F811
    client = Department(can_reopen=True, refuse_reopen="Work order WO-1 is cancelled and cannot be reopened")
    workorders = closed_work_order(unit_of_work, client)
    workorders.reopen_work_order(reopened())
    [update] = [u for u in published(workorders, "WorkOrderUpdated") if u["status"] == "reopened"]
    assert update["legacy_id"] == "WO-2"


def test_no_answer_gives_the_lease_back_and_the_redelivery_asks_again(unit_of_work):  # noqa: F811
    client = Department(can_reopen=True, fail_reopen=1)
    workorders = closed_work_order(unit_of_work, client)
    reopen = reopened()
    with pytest.raises(TransientError):
        workorders.reopen_work_order(reopen)
    assert [u for u in published(workorders, "WorkOrderUpdated") if u["status"] == "reopened"] == []
    workorders.reopen_work_order(reopen)
    assert len(client.reopens) == 1
    assert len([u for u in published(workorders, "WorkOrderUpdated") if u["status"] == "reopened"]) == 1


def test_a_reopen_of_a_request_without_a_work_order_here_does_nothing(unit_of_work):  # noqa: F811
    client = Department(can_reopen=True)
    workorders = service(unit_of_work("workorders"), client)
    workorders.reopen_work_order(reopened())
    assert client.reopens == [] and published(workorders, "WorkOrderUpdated") == []
