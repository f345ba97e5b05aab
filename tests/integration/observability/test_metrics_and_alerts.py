"""Every service's /metrics on a running system, and a real Prometheus that sees a poison message's dead
letter fire the "dead letters present" alert through its HTTP API.

One system for the module (PostgreSQL when reachable, else SQLite), one Prometheus.
"""
import shutil

import pytest
import requests
import yaml
from prometheus_client.parser import text_string_to_metric_families

from shared.config import PROJECT_ROOT
from tests.support.broker import isolated_vhost
from tests.support.bus import publish_raw
from tests.support.databases import SERVICES, database_urls, postgres_reachable
from tests.support.processes import Process, free_port
from tests.support.system import System
from tests.support.waiting import wait_until
from tests.unit.services.conftest import event

PROMETHEUS = shutil.which("prometheus")
EVERY_SERVICE = ("process_cpu_seconds_total", "city311_service_ready", "city311_database_up", "city311_broker_up",
                 "city311_dead_letter_queue_messages", "city311_outbox_unpublished_events",
                 "city311_outbox_oldest_unpublished_age_seconds", "city311_inbox_events",
                 "city311_http_requests_total", "city311_http_request_duration_seconds_bucket")
OWN = {"workorders": ("city311_workorders_breaker_state", "city311_workorders_links",
                      "city311_workorders_oldest_pending_link_age_seconds"),
       "notifications": ("city311_notifications_pending_deliveries", "city311_notifications_due_deliveries"),
       "metrics": ("city311_requests", "city311_metrics_events_processed_total"),
       "intake": (), "routing": ()}


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    backend = "postgresql" if postgres_reachable() else "sqlite"
    workdir = tmp_path_factory.mktemp(f"observability-{backend}")
    with isolated_vhost() as uri, database_urls(backend, workdir) as urls:
        running = System(uri, urls, workdir)
        running.amqp_uri = uri
        try:
            running.start()
            yield running
        finally:
            running.stop()


def scrape(system, service):
    """{(name, labels as a sorted tuple): value} of one service's /metrics."""
    return _samples(_exposition(system, service))


def _exposition(system, service):
    answer = system.get(service, "/metrics")
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    return answer.text


def _samples(text):
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples}


def names(text):
    """Every metric the exposition declares (a family with no sample yet, say no links, included)."""
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")} | {
        name for name, _ in _samples(text)}


def handled(system, service, handler, counter="city311_events_handled_total"):
    return scrape(system, service).get((counter, (("handler", handler), ("service", service))), 0)


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_answers_metrics_with_process_messaging_database_and_http_figures(system, service):
    text = _exposition(system, service)
    assert set(EVERY_SERVICE + OWN[service]) - names(text) == set()
    scraped = _samples(text)
    for up in ("city311_service_ready", "city311_database_up", "city311_broker_up"):
        assert scraped[(up, ())] == 1
    assert scraped[("city311_dead_letter_queue_messages", (("queue", f"{service}.dlq"),))] >= 0
    health = (("method", "GET"), ("route", "/health"), ("service", service), ("status", "200"))
    assert scraped[("city311_http_requests_total", health)] >= 1


def test_an_event_handled_is_counted_and_timed_per_handler(system):
    # An event only metrics consumes: nothing downstream of it to fail on a request nobody filed.
    before = handled(system, "metrics", "on_notification_sent")
    publish_raw(system.amqp_uri, "notifications", "NotificationSent", event("NotificationSent"))
    wait_until(lambda: handled(system, "metrics", "on_notification_sent") == before + 1, 30,
               what="metrics to count the event it handled")
    scraped = scrape(system, "metrics")
    timed = (("handler", "on_notification_sent"), ("service", "metrics"))
    assert scraped[("city311_event_handler_duration_seconds_count", timed)] >= 1
    assert scraped.get(("city311_events_failed_total", timed), 0) == 0


def test_workorders_health_shows_each_department_systems_breaker(system):
    answer = system.get("workorders", "/health")
    assert answer.status_code == 200
    assert answer.json()["department_systems"] == {"solidwaste": "closed", "streets": "closed",
                                                   "watershed": "closed"}
    scraped = scrape(system, "workorders")
    assert scraped[("city311_workorders_breaker_state", (("state", "closed"), ("system", "streets")))] == 1


@pytest.fixture(scope="module")
def prometheus(system, tmp_path_factory):
    """Debian's Prometheus on a free port, scraping the system every second with the project's own rules."""
    if PROMETHEUS is None:
        pytest.skip("prometheus is not installed (Debian: apt-get install prometheus)")
    workdir = tmp_path_factory.mktemp("prometheus")
    config = {"global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
              "rule_files": [str(PROJECT_ROOT / "deploy" / "prometheus" / "rules.yml")],
              "scrape_configs": [{"job_name": "city311", "honor_labels": True, "static_configs": [
                  {"targets": [f"127.0.0.1:{system.ports[service]}"], "labels": {"service": service}}
                  for service in SERVICES]}]}
    (workdir / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    process = Process("prometheus", [PROMETHEUS, f"--config.file={workdir / 'prometheus.yml'}",
                                     f"--storage.tsdb.path={workdir / 'data'}",
                                     f"--web.listen-address=127.0.0.1:{port}"],
                      {"PATH": "/usr/bin:/bin"}, f"http://127.0.0.1:{port}/-/ready", workdir)
    process.start()
    process.url = f"http://127.0.0.1:{port}"
    yield process
    process.stop()


def firing(prometheus, alertname):
    alerts = requests.get(f"{prometheus.url}/api/v1/alerts", timeout=5).json()["data"]["alerts"]
    return [alert for alert in alerts if alert["labels"]["alertname"] == alertname and alert["state"] == "firing"]


def test_a_poison_message_is_dead_lettered_counted_and_fires_dead_letters_present_in_prometheus(system, prometheus):
    wait_until(lambda: firing(prometheus, "ServiceDown") == [] and _all_targets_up(prometheus), 60,
               what="Prometheus to scrape every service")
    assert firing(prometheus, "DeadLettersPresent") == []
    before = handled(system, "routing", "route_request", "city311_events_dead_lettered_total")
    publish_raw(system.amqp_uri, "intake", "RequestCreated", {"not": "an event"})
    wait_until(lambda: handled(system, "routing", "route_request", "city311_events_dead_lettered_total")
               == before + 1, 30, what="routing to count the poison message it dead-lettered")
    assert scrape(system, "routing")[("city311_dead_letter_queue_messages", (("queue", "routing.dlq"),))] >= 1
    def routing_alert():
        return [alert for alert in firing(prometheus, "DeadLettersPresent") if alert["labels"]["queue"] == "routing.dlq"]
    routing, = wait_until(routing_alert, 60, what="Prometheus to fire DeadLettersPresent for routing.dlq")
    assert routing["labels"]["service"] == "routing" and routing["labels"]["severity"] == "warning"
    assert routing["annotations"]["runbook"] == "docs/operations.md#deadletterspresent"


def _all_targets_up(prometheus):
    targets = requests.get(f"{prometheus.url}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
    return len(targets) == len(SERVICES) and all(target["health"] == "up" for target in targets)
