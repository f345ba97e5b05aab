"""The HTTP API over folded facts: documents, clear 400s for bad filters, the open-data export, Prometheus."""
import csv
import io
import json
from types import SimpleNamespace

import pytest
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.metrics import geography, prometheus, web
from services.metrics.dependencies import HandlerHealth
from services.metrics.export import FIELDS
from services.metrics.service import MetricsService
from shared.config import PROJECT_ROOT
from shared.messaging.entrypoints import ReliableEventHandler
from tests.unit.metrics.test_metrics_facts import PERSONAL, deliver
from tests.unit.metrics.timed_events import lifecycle, timed

SAMPLE = geography.load(PROJECT_ROOT / "deploy" / "jurisdictions" / "sample")
PERIOD = "from=2026-11-01&to=2026-11-30"


def get(query=""):
    return Request(EnvironBuilder(path="/", query_string=query).get_environ())


@pytest.fixture
def worker(unit_of_work):
    service = worker_factory(MetricsService, uow=unit_of_work("metrics"), geography=SAMPLE)
    for n, district in enumerate(["CD-01", "CD-02", "CD-03"], 1):
        for event in lifecycle(sid=f"26-000000{n}"):
            if event["event_type"] == "RequestRouted":
                event["data"]["district"] = district
            deliver(service, event)
    deliver(service, timed("InformationRequestLogged", 1))
    return service


def document(worker, name, query=PERIOD):
    response = worker.get_document(get(query), name)
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())


@pytest.mark.parametrize("name", ["overview", "volumes", "timings", "service-levels", "quality", "equity"])
def test_flow_documents_answer_for_the_period(worker, name):
    body = document(worker, name)
    assert body["filters"]["from"].startswith("2026-11-01T00:00:00-04:00")  # local midnight, New York


def test_volumes_and_service_levels_of_the_period(worker):
    assert document(worker, "volumes")["service_requests"] == 3
    assert document(worker, "volumes")["information_share"] == 0.25
    assert document(worker, "service-levels")["overall"]["on_time"] == 3
    assert document(worker, "timings")["to_close"]["median_hours"] == 20.0


def test_department_and_district_filters(worker):
    assert document(worker, "volumes", PERIOD + "&district=CD-02")["service_requests"] == 1
    assert document(worker, "volumes", PERIOD + "&district=CD-02")["information_contacts"] is None
    assert document(worker, "volumes", PERIOD + "&department=WATERSHED")["service_requests"] == 0


def test_equity_lists_every_district_of_the_jurisdiction(worker):
    body = document(worker, "equity", PERIOD + "&min_count=1")
    assert [a["area"] for a in body["areas"]] == sorted(SAMPLE.areas("district"))
    assert body["gaps"]["compliance"]["difference"] == 0.0


def test_current_documents_take_no_period(worker):
    assert document(worker, "backlog", "")["open"] == 0
    assert document(worker, "overdue", "limit=5")["count"] == 0
    assert document(worker, "map", "district=CD-01")["points"] == []
    response = worker.get_document(get(PERIOD), "backlog")
    assert response.status_code == 400 and "unknown parameter 'from'" in response.get_data(as_text=True)


@pytest.mark.parametrize("name, query, says", [
    ("volumes", "from=yesterday", "'from' must be an ISO 8601 date"),
    ("volumes", "from=2026-11-30&to=2026-11-01", "must be before"),
    ("volumes", "district=CD-99", "unknown district 'CD-99'"),
    ("volumes", "department=<script>", "'department' must be a code"),
    ("volumes", "distrct=CD-01", "unknown parameter 'distrct'"),
    ("equity", "by=ward", "'by' must be 'district' or 'neighbourhood'"),
    ("overdue", "limit=lots", "'limit' must be a whole number"),
])
def test_bad_filters_are_a_400_that_says_why(worker, name, query, says):
    response = worker.get_document(get(query), name)
    assert response.status_code == 400
    assert says in json.loads(response.get_data())["error"]


def test_an_unknown_endpoint_is_a_404_listing_the_others(worker):
    response = worker.get_document(get(), "everything")
    assert response.status_code == 404 and "overview" in json.loads(response.get_data())["endpoints"]


def test_the_csv_export_has_the_open_data_shape_and_no_personal_data(worker):
    response = worker.get_export(get(PERIOD), "csv")
    assert response.status_code == 200 and response.content_type.startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == FIELDS and len(rows) == 3
    assert rows[0]["status"] == "closed" and rows[0]["agency"] == "PW-STREETS" and rows[0]["lat"] == "33.749"
    assert not [p for p in PERSONAL if p in text]
    assert "satisfaction" not in text and "comment" not in text


def test_the_json_export_says_what_it_holds(worker):
    body = json.loads(worker.get_export(get(PERIOD + "&district=CD-03"), "json").get_data())
    assert body["count"] == 1 and body["meta"]["location_precision_decimals"] == 3
    assert body["requests"][0]["council_district"] == "CD-03"
    assert not [p for p in PERSONAL if p in json.dumps(body)]


def test_the_export_refuses_other_formats_and_bad_periods(worker):
    assert worker.get_export(get(PERIOD), "xml").status_code == 404
    assert worker.get_export(get("from=2026-11-30&to=2026-11-01"), "csv").status_code == 400
    assert worker.get_export(get(PERIOD + "&district=CD-99"), "csv").status_code == 400


def test_prometheus_reports_business_measures_and_service_health(worker):
    entrypoint = ReliableEventHandler("intake", "RequestCreated", batch=True)
    batch = SimpleNamespace(entrypoint=entrypoint, args=([timed("RequestCreated", 0), timed("RequestCreated", 1)],))
    alone = SimpleNamespace(entrypoint=entrypoint, args=([timed("RequestCreated", 0)],))
    applied, duplicate, failures = (prometheus.EVENTS_PROCESSED.labels("RequestCreated", "applied"),
                                    prometheus.EVENTS_PROCESSED.labels("RequestCreated", "duplicate"),
                                    prometheus.HANDLER_FAILURES.labels("RequestCreated"))
    before = [counter._value.get() for counter in (applied, duplicate, failures)]
    health = HandlerHealth()
    health.worker_result(batch, result=["applied", "duplicate"])
    health.worker_result(batch, exc_info=(ValueError, ValueError("x"), None))   # handled again one by one:
    health.worker_result(alone, exc_info=(ValueError, ValueError("x"), None))   # only those failures count
    assert [counter._value.get() - b for counter, b in zip((applied, duplicate, failures), before)] == [1, 1, 1]
    text = worker.get_metrics(None).get_data(as_text=True)
    assert 'city311_requests{stage="requests_closed"} 3.0' in text
    assert 'city311_requests_created_total{channel="web",department="PW-STREETS"} 3.0' in text
    assert 'city311_metrics_events_processed_total{event_type="RequestCreated",outcome="applied"}' in text
    assert 'city311_metrics_handler_failures_total{event_type="RequestCreated"}' in text
    assert "city311_metrics_last_event_processed_timestamp_seconds" in text
    assert "city311_metrics_stream_unpublished_messages 31.0" in text
    assert prometheus.LAST_EVENT_OCCURRED._value.get() > 0


def test_only_named_static_files_are_served(monkeypatch, tmp_path):
    assert web.static_file("dashboard.js")[1].startswith("text/javascript")
    for name in ("../service.py", ".hidden", "nope.js"):
        with pytest.raises(web.Missing):
            web.static_file(name)
    monkeypatch.setitem(web.VENDOR, "chart.umd.min.js", tmp_path / "missing.js")
    with pytest.raises(web.Missing, match="npm ci"):
        web.vendor_file("chart.umd.min.js")
