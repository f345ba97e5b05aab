"""Duplicate detection when two reports of one problem are routed at the same moment (real SQLite and PostgreSQL).

A storm brings many reports of the same downed tree within seconds; routing's workers handle
them concurrently. A report whose neighbour is being routed by another transaction must wait
for it and then be found its duplicate, not routed on its own (two crews sent to one tree).
"""
import pytest

from services.routing import handlers
from services.routing.domain.jurisdiction import load_jurisdiction
from shared.config import PROJECT_ROOT
from shared.persistence.tables import outbox
from tests.support.interleaving import Interleaving
from tests.unit.services.conftest import event

SAMPLE = load_jurisdiction(PROJECT_ROOT / "deploy" / "jurisdictions" / "sample")
DOWNTOWN = {"lat": 33.7490, "long": -84.3880}


def created(request_id, service_code="POTHOLE", **place):
    return event("RequestCreated", correlation_id=request_id, service_request_id=request_id,
                 service_code=service_code, attributes={"SIZE": "large"}, **(place or DOWNTOWN))


def outcomes(uow_factory):
    import json
    from sqlalchemy import select
    with uow_factory() as uow:
        events = [json.loads(p) for p in uow.session.execute(select(outbox.c.payload).order_by(outbox.c.id)).scalars()]
    return {(e["event_type"], e["data"]["service_request_id"], e["data"].get("parent_request_id")) for e in events}


def _route_both(routing, first_event, second_event, monkeypatch):
    """Route `first_event`, pausing it after it looked for open requests nearby; route the second meanwhile."""
    race, decide = Interleaving(), handlers.decide

    def deciding(request, jurisdiction, open_requests):
        if request.service_request_id == first_event["data"]["service_request_id"]:
            race.pause()
        return decide(request, jurisdiction, open_requests)
    monkeypatch.setattr(handlers, "decide", deciding)

    def route(evt):
        with routing() as uow:
            handlers.route_request(uow, evt, SAMPLE)
    assert race.run(lambda: route(first_event), lambda: route(second_event)) == []
    return race


@pytest.mark.parametrize("first, second", [
    (DOWNTOWN, {"lat": 33.74902, "long": -84.38802}),
    ({"lat": 33.74999, "long": -84.38500}, {"lat": 33.75001, "long": -84.38500}),   # either side of a cell edge
], ids=["same-cell", "across-a-cell-edge"])
def test_two_reports_of_one_pothole_routed_at_once_are_one_work_order(service_databases, monkeypatch, first, second):
    routing = service_databases("routing")
    _route_both(routing, created("26-0000001", **first), created("26-0000002", **second), monkeypatch)
    assert outcomes(routing) == {("RequestRouted", "26-0000001", None),
                                 ("RequestDuplicateDetected", "26-0000002", "26-0000001")}


def test_reports_far_apart_do_not_wait_for_each_other_to_be_decided(service_databases, monkeypatch):
    routing = service_databases("routing")
    far = {"lat": 33.7700, "long": -84.3600}
    race = _route_both(routing, created("26-0000021"), created("26-0000022", **far), monkeypatch)
    assert outcomes(routing) == {("RequestRouted", "26-0000021", None), ("RequestRouted", "26-0000022", None)}
    if service_databases.backend == "postgresql":   # SQLite: one writer at a time, whatever the place
        assert race.second_ran_during_pause
