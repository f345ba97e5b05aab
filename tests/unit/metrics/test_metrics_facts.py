"""Folding events into facts: any arrival order gives the same fact, redeliveries count once,
every change goes to the stream's outbox, and no personal data is kept."""
import json
import random

import pytest
from nameko.testing.services import worker_factory

from services.metrics.geography import Geography
from services.metrics.service import MetricsService
from shared.messaging.declare import handlers_of
from tests.unit.metrics.timed_events import at, lifecycle, timed
from tests.unit.services.conftest import outbox_events

HANDLERS = {event_type: method for _source, event_type, method in handlers_of(MetricsService)}
PERSONAL = ("Ana", "ana@example.org", "404-555-0134", "resident@example.org", "Deep pothole", "55 Trinity")


def deliver(worker, event):
    """One event, as a batch handler gets it when its queue is quiet; its outcome."""
    [outcome] = getattr(worker, HANDLERS[event["event_type"]])([event])
    return outcome


def deliver_in_batches(worker, events):
    """The events as the queues would hand them over under load: each handler's share in one batch."""
    outcomes = []
    for event_type in dict.fromkeys(event["event_type"] for event in events):
        outcomes += getattr(worker, HANDLERS[event_type])([e for e in events if e["event_type"] == event_type])
    return outcomes


def fact_of(worker, sid="26-0000123"):
    response = worker.get_request_fact(None, sid)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {k: v for k, v in json.loads(response.get_data()).items() if k != "updated_at"}


@pytest.fixture
def worker(unit_of_work):
    uow = unit_of_work("metrics")
    service = worker_factory(MetricsService, uow=uow, geography=Geography())
    service.uow_factory = uow
    return service


def test_metrics_consumes_every_event_but_the_one_with_personal_data():
    assert set(HANDLERS) == {
        "RequestCreated", "InformationRequestLogged", "RequestStatusChanged", "RequestRouted",
        "RequestDuplicateDetected", "RequestNeedsTriage", "WorkOrderCreated", "WorkOrderUpdated",
        "WorkOrderClosed", "WorkOrderFailed", "NotificationSent", "NotificationFailed", "SurveyResponded"}


def test_a_lifecycle_folds_into_one_fact(worker):
    for event in lifecycle():
        deliver(worker, event)
    fact = fact_of(worker)
    assert fact["created_at"] == at(0) and fact["routed_at"] == at(0.25) and fact["work_order_at"] == at(1)
    assert fact["first_update_at"] == at(2) and fact["closed_at"] == at(20) and fact["due_at"] == at(48)
    assert fact["is_open"] is False and fact["status"] == "closed"
    assert (fact["channel"], fact["service_code"], fact["department"], fact["district"], fact["neighbourhood"]) == \
        ("web", "POTHOLE", "PW-STREETS", "CD-2", "Downtown")
    assert (fact["survey_satisfaction"], fact["survey_fixed"], fact["notifications_sent"]) == (2, False, 2)
    assert (fact["lat"], fact["long"]) == (33.749, -84.388)
    assert fact["resolution"] == "Filled; call [removed] for help"


@pytest.mark.parametrize("seed", range(8))
def test_any_arrival_order_with_redeliveries_gives_the_same_fact(unit_of_work, seed):
    in_order = _delivered_in_order(unit_of_work)
    shuffled = _shuffled_with_four_redelivered(seed)
    other = worker_factory(MetricsService, uow=_fresh(unit_of_work, seed))
    outcomes = [deliver(other, event) for event in shuffled]
    assert outcomes.count("duplicate") == 4
    assert fact_of(other) == fact_of(in_order)


@pytest.mark.parametrize("seed", range(4))
def test_batches_with_redeliveries_inside_them_give_the_same_fact_as_one_by_one(unit_of_work, seed):
    one_by_one = _delivered_in_order(unit_of_work)
    events = _shuffled_with_four_redelivered(seed)   # a redelivery may land in the same batch as the original
    batched = worker_factory(MetricsService, uow=_fresh(unit_of_work, f"batch-{seed}"))
    outcomes = deliver_in_batches(batched, events)
    assert (outcomes.count("duplicate"), outcomes.count("applied")) == (4, len(events) - 4)
    assert fact_of(batched) == fact_of(one_by_one)


def _delivered_in_order(unit_of_work):
    worker = worker_factory(MetricsService, uow=unit_of_work("metrics"))
    for event in lifecycle():
        deliver(worker, event)
    return worker


def _shuffled_with_four_redelivered(seed):
    events = lifecycle()
    events = events + random.Random(seed).sample(events, 4)  # four of them delivered twice
    random.Random(seed).shuffle(events)
    return events


def _fresh(unit_of_work, seed):
    import tempfile
    from sqlalchemy.orm import sessionmaker
    from shared.persistence.engine import make_engine
    from shared.persistence.migrations import upgrade
    from shared.persistence.unit_of_work import UnitOfWork
    url = f"sqlite:///{tempfile.mkdtemp()}/metrics-{seed}.sqlite"
    upgrade("metrics", url)
    sessions = sessionmaker(make_engine(url), expire_on_commit=False)
    return lambda: UnitOfWork(sessions, "metrics")


def test_a_close_before_the_create_is_reconciled(worker):
    deliver(worker, timed("WorkOrderClosed", 20, changed_at=at(20)))
    assert fact_of(worker)["created_at"] is None
    summary = json.loads(worker.get_summary(None).get_data())
    assert summary["awaiting_creation"] == 1 and summary["requests_closed"] == 1
    deliver(worker, timed("RequestCreated", 0, requested_at=at(0)))
    assert fact_of(worker)["created_at"] == at(0) and fact_of(worker)["closed_at"] == at(20)


def test_a_reopened_request_is_open_until_it_closes_again_in_any_order(worker):
    closes = [timed("RequestStatusChanged", 5, status="closed", stage="closed", changed_at=at(5)),
              timed("RequestStatusChanged", 9, status="open", stage="reopened", changed_at=at(9)),
              timed("WorkOrderClosed", 12, changed_at=at(12))]
    deliver(worker, timed("RequestCreated", 0, requested_at=at(0)))
    deliver(worker, closes[1])
    deliver(worker, closes[0])
    assert fact_of(worker)["is_open"] is True
    deliver(worker, closes[2])
    assert fact_of(worker)["is_open"] is False and fact_of(worker)["closed_at"] == at(12)


def test_the_newest_routing_decision_wins_and_ends_triage(worker):
    manual = timed("RequestRouted", 3, department="WATERSHED", district="CD-05", manual=True)
    triage = timed("RequestNeedsTriage", 1, sid="26-0000123", reason_code="NO_RULE")
    first = timed("RequestRouted", 0.5)
    for event in (manual, triage, first):
        deliver(worker, event)
    fact = fact_of(worker)
    assert fact["department"] == "WATERSHED" and fact["routed_at"] == at(0.5)
    assert json.loads(worker.get_summary(None).get_data())["in_triage"] == 0


def test_information_contacts_count_once(worker):
    contact = timed("InformationRequestLogged", 0)
    assert deliver(worker, contact) == "applied"
    assert deliver(worker, contact) == "duplicate"
    assert json.loads(worker.get_summary(None).get_data())["information_contacts"] == 1


def test_every_change_goes_to_the_stream_outbox_without_personal_data(worker):
    events = lifecycle() + [timed("InformationRequestLogged", 1)]
    for event in events:
        deliver(worker, event)
    deliver(worker, events[0])  # a redelivery changes nothing and says nothing
    messages = [m for m in outbox_events(worker.uow_factory)]
    assert [m["kind"] for m in messages].count("request_fact") == len(events) - 1
    assert [m["kind"] for m in messages].count("information_contact") == 1
    assert all(m["schema"] == "city311.metrics.stream" and m["schema_version"] == 1 for m in messages)
    assert [m["cause"]["event_id"] for m in messages] == [e["event_id"] for e in events]
    text = json.dumps(messages)
    assert not [p for p in PERSONAL if p in text]


def test_measure_updates_go_on_the_stream_only_when_facts_changed(worker):
    deliver(worker, timed("RequestCreated", 0, requested_at=at(0)))
    worker.emit_measures()
    worker.emit_measures()
    updates = [m for m in outbox_events(worker.uow_factory) if m["kind"] == "measures"]
    assert len(updates) == 1
    assert {"service_requests", "service_levels", "equity_gaps", "backlog_by_department"} <= set(updates[0]["data"])
