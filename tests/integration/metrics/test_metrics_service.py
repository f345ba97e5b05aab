"""The metrics service as a real process: events from the bus become facts once, whatever their order;
facts reach the stream; the API, the export, Prometheus and the dashboard answer over HTTP."""
import csv
import io
import json
from datetime import datetime, timezone

import pytest
from frictionless import Package

from tests.integration.metrics.stream_reader import read
from tests.support.bus import publish_raw
from tests.support.waiting import wait_until
from tests.unit.metrics.timed_events import at, timed

PERSONAL = ("Ana", "404-555-0134", "resident@example.org", "Sample description", "55 Trinity")
SID = "26-0999001"


def publish(metrics, event):
    publish_raw(metrics.amqp_uri, event["producer"], event["event_type"], event)


def test_events_from_the_bus_fold_once_in_any_order(metrics_service):
    created = timed("RequestCreated", 0, SID, requested_at=at(0))
    for event in (timed("WorkOrderClosed", 20, SID, changed_at=at(20)), created,
                  timed("RequestRouted", 0.5, SID, due_at=at(48)), created):  # the last one: a redelivery
        publish(metrics_service, event)
    def folded():
        fact = metrics_service.get(f"/api/requests/{SID}").json()
        return fact if fact.get("routed_at") and fact.get("created_at") and fact.get("closed_at") else None
    fact = wait_until(folded, 30, what="the fact to fold all three events")
    assert fact["created_at"] == at(0) and fact["closed_at"] == at(20) and fact["is_open"] is False
    def counted_duplicate():
        text = metrics_service.get("/metrics").text
        return text if 'event_type="RequestCreated",outcome="duplicate"' in text else None
    text = wait_until(counted_duplicate, 15, what="the redelivery to be counted as a duplicate")
    assert 'city311_metrics_events_processed_total{event_type="RequestCreated",outcome="applied"} 1.0' in text


def test_facts_and_measure_updates_reach_the_stream(metrics_service):
    def with_measures():
        messages = [body for _offset, body in read(metrics_service.amqp_uri, "metrics.stream", "first")]
        return messages if any(body["kind"] == "measures" for body in messages) else None
    messages = wait_until(with_measures, 30, what="facts and a measure update on the stream")
    kinds = {body["kind"] for body in messages}
    assert kinds == {"request_fact", "information_contact", "measures"}
    assert sum(1 for b in messages if b["kind"] == "request_fact") > 300  # the month folded before start
    assert not [p for p in PERSONAL if p in json.dumps(messages)]


def test_the_open_data_export_over_http_has_no_personal_data(metrics_service):
    response = metrics_service.get("/api/export.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) >= 100
    assert all(len(r["lat"].split(".")[-1]) <= 3 for r in rows if r["lat"])
    assert not [p for p in PERSONAL if p in response.text]
    assert metrics_service.get("/api/export.json?from=2026-99-01").status_code == 400
    assert {r["address_block"] for r in rows} == {"0 block of Trinity Ave SW"}


def test_the_export_streams_validates_against_its_served_data_package_and_updates_incrementally(
        metrics_service, tmp_path):
    response = metrics_service.get("/api/export.csv?from=2000-01-01", stream=True)  # decades: no cap
    assert response.status_code == 200 and response.headers.get("Transfer-Encoding") == "chunked"
    text = response.content.decode()
    package = metrics_service.get("/api/export/datapackage.json").json()
    assert package["resources"][0]["path"] == metrics_service.url("/api/export.csv")
    package["resources"][0]["path"] = "export.csv"
    (tmp_path / "export.csv").write_text(text, newline="")
    (tmp_path / "datapackage.json").write_text(json.dumps(package))
    report = Package(str(tmp_path / "datapackage.json")).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["requested_datetime"].endswith(("-05:00", "-04:00"))   # the sample city's local time
    newest = datetime.now(timezone.utc).isoformat()
    sid = "26-0999002"
    publish(metrics_service, timed("RequestCreated", 0, sid, requested_at="2019-01-02T15:00:00+00:00"))
    def changed():
        since = metrics_service.get("/api/export.csv", params={"updated_after": newest}).text
        return since if sid in since else None
    since = list(csv.DictReader(io.StringIO(wait_until(changed, 30, what="the new request in the update"))))
    assert [r["service_request_id"] for r in since] == [sid]   # an old request, changed since: only it


def test_prometheus_business_gauges_over_http(metrics_service):
    text = metrics_service.get("/metrics").text
    for name in ("city311_open_requests{", "city311_overdue_requests{", "city311_service_level_compliance_ratio{",
                 "city311_time_to_close_seconds{", "city311_requests_created_total{"):
        assert name in text, name


def test_the_dashboard_loads_with_data_and_no_console_errors(metrics_service, browser):
    if metrics_service.backend != "sqlite":
        pytest.skip("the page is the same on either database; checked once")
    problems, elsewhere = [], []
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(
            metrics_service.url("/")) else (elsewhere.append(route.request.url), route.abort()))
        page.goto(metrics_service.url("/"))
        page.wait_for_selector("body[data-state=ready]", timeout=20_000)
        tiles = page.locator("#kpis .tile .value").all_inner_texts()
        districts = page.locator("#map path.district").count()
        points = page.locator("#map circle.point").count()
        equity_rows = page.locator("#equity-table tbody tr").count()
        drawn = page.evaluate("Object.keys(Chart.instances).length")
        page.select_option("#filter-district", "CD-01")
        page.click("#filters button[type=submit]")
        page.wait_for_selector("body[data-state=ready]", timeout=20_000)
        filtered = page.locator("#kpis .tile .value").first.inner_text()
    finally:
        context.close()
    assert problems == [] and elsewhere == []
    assert int(tiles[0]) >= 100 and districts == 12 and points > 0 and equity_rows >= 12 and drawn == 5
    assert 0 < int(filtered) < int(tiles[0])
