"""First-time fix: closed requests never reopened / closed requests, overall, by department and by service;
and a work order's "reopened" update sets `reopened_at` through the real fold."""
from datetime import timedelta

from services.metrics import measures
from tests.unit.metrics.test_metrics_measures import START, fact
from tests.unit.services.conftest import unit_of_work  # noqa: F401 (fixture)


def test_first_time_fix_counts_closed_requests_never_reopened_by_department_and_service():
    reopened = START + timedelta(days=2)
    facts = [fact(1, closed_hours=5), fact(2, closed_hours=5, reopened_at=reopened),              # closed again
             fact(3, closed_hours=5, reopened_at=reopened, service_code="SIDEWALK"),
             fact(4, closed_hours=5, department="WATERSHED", service_code="WATER_LEAK"),
             fact(5), fact(6, closed_hours=5, duplicate_of="26-0000001")]       # open; a duplicate: left out
    result = measures.first_time_fix(facts)
    assert (result["closed"], result["reopened"], result["rate"]) == (4, 2, 0.5)
    assert result["by_department"] == {"PW-STREETS": {"closed": 3, "reopened": 2, "rate": 0.3333},
                                       "WATERSHED": {"closed": 1, "reopened": 0, "rate": 1.0}}
    assert result["by_service"]["POTHOLE"] == {"closed": 2, "reopened": 1, "rate": 0.5}
    assert result["by_service"]["SIDEWALK"]["rate"] == 0.0


def test_nothing_closed_has_no_rate():
    assert measures.first_time_fix([fact(1)]) == {"closed": 0, "reopened": 0, "rate": None, "by_department": {},
                                                  "by_service": {}}


def test_a_work_orders_reopened_update_sets_reopened_at_and_lowers_the_rate_on_the_api(unit_of_work):  # noqa: F811
    import json

    from nameko.testing.services import worker_factory
    from werkzeug.test import EnvironBuilder

    from services.metrics.geography import Geography
    from services.metrics.service import MetricsService
    from tests.unit.metrics.test_metrics_facts import deliver, fact_of
    from tests.unit.metrics.timed_events import at, timed

    worker = worker_factory(MetricsService, uow=unit_of_work("metrics"), geography=Geography())

    def quality():
        query = {"from": "2026-11-01", "to": "2026-11-30"}
        response = worker.get_document(EnvironBuilder(query_string=query).get_request(), "quality")
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.loads(response.get_data())["first_time_fix"]

    for event in (timed("RequestCreated", 0, requested_at=at(0)), timed("RequestRouted", 0.25),
                  timed("WorkOrderClosed", 20, changed_at=at(20))):
        deliver(worker, event)
    assert quality()["rate"] == 1.0
    deliver(worker, timed("WorkOrderUpdated", 30, status="reopened", changed_at=at(30), note="Reopened."))
    fact = fact_of(worker)
    assert (fact["reopened_at"], fact["is_open"]) == (at(30), True)
    assert quality()["rate"] == 0.0 and quality()["by_department"]["PW-STREETS"]["reopened"] == 1
