"""Metrics facts: out-of-order arrival reconciles, redelivery counts once."""
import json

from nameko.testing.services import worker_factory

from services.metrics.service import MetricsService
from tests.unit.services.conftest import event


def _summary(worker):
    return json.loads(worker.get_summary(None).get_data())


def test_a_close_seen_before_the_create_is_reconciled(unit_of_work):
    worker = worker_factory(MetricsService, uow=unit_of_work("metrics"))
    worker.on_work_order_closed([event("WorkOrderClosed")])
    assert _summary(worker)["requests_closed"] == 1 and _summary(worker)["requests_created"] == 0
    worker.on_request_created([event("RequestCreated")])
    worker.on_request_routed([event("RequestRouted")])
    fact = json.loads(worker.get_request_fact(None, "26-0000123").get_data())
    assert fact["service_code"] == "POTHOLE" and fact["department"] == "PW-STREETS"
    assert fact["created_at"] and fact["closed_at"]


def test_redelivered_events_count_once(unit_of_work):
    worker = worker_factory(MetricsService, uow=unit_of_work("metrics"))
    sent = event("NotificationSent")
    for _ in range(3):
        worker.on_notification_sent([sent])
    info = event("InformationRequestLogged")
    worker.on_information_logged([info])
    worker.on_information_logged([info])
    fact = json.loads(worker.get_request_fact(None, "26-0000123").get_data())
    assert fact["notifications_sent"] == 1
    assert _summary(worker)["information_contacts"] == 1


def test_prometheus_exposition_reports_the_facts(unit_of_work):
    worker = worker_factory(MetricsService, uow=unit_of_work("metrics"))
    worker.on_request_created([event("RequestCreated")])
    text = worker.get_metrics(None).get_data(as_text=True)
    assert 'city311_requests{stage="requests_created"} 1.0' in text


def test_an_unknown_request_is_a_404(unit_of_work):
    worker = worker_factory(MetricsService, uow=unit_of_work("metrics"))
    assert worker.get_request_fact(None, "nope").status_code == 404
