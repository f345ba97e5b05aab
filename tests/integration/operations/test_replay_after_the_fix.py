"""The operator's loop on a running system: a fault dead-letters an event, it shows in the service's /metrics and in
the queue view at once, the fault is removed, the dead letter is replayed and handled exactly once.

The fault: workorders runs without Watershed's adapter (a department system left out of WORK_ORDER_SYSTEMS),
so a water leak routed to Watershed is dead-lettered with that reason; the fix is the configuration, and a restart.
"""
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared import operations
from shared.messaging.deadletters import list_dead_letters, replay
from tests.integration.test_request_lifecycle import legacy_orders, somewhere_new
from tests.support.broker import isolated_vhost
from tests.support.bus import BusTap
from tests.support.databases import database_urls
from tests.support.system import System
from tests.support.waiting import wait_until

WATER_LEAK = {"api_key": "dev-web-key", "service_code": "WATER_LEAK", "attribute[LEAK_SIDE]": "city_side",
              "attribute[SEVERITY]": "steady"}
WORKORDERS_DLQ = "workorders.dlq"


@pytest.fixture
def system(tmp_path):
    with isolated_vhost() as uri, database_urls("sqlite", tmp_path) as urls:
        running = System(uri, urls, tmp_path)
        running.amqp_uri = uri
        workorders = running.services["workorders"]
        workorders.env = {**running.env, "WORK_ORDER_SYSTEMS": "[streets, solidwaste]"}   # Watershed left out
        try:
            running.start()
            yield running
        finally:
            running.stop()


def dead_letters_in_metrics(system):
    families = text_string_to_metric_families(system.get("workorders", "/metrics").text)
    return {sample.labels.get("queue"): sample.value for family in families
            if family.name == "city311_dead_letter_queue_messages" for sample in family.samples}.get(WORKORDERS_DLQ)


def departments(system):
    """What the operations console shows of the department systems, read from the running workorders."""
    settings = operations.OperationsSettings.from_config({"AMQP_URI": system.amqp_uri,
                                                          "WORKORDERS_URL": system.url("workorders", "")})
    return operations.department_systems(operations.service_state(settings.service_urls["workorders"]))


def queue_row(system, name):
    grouped, error = operations.queues(operations.OperationsSettings.from_config({"AMQP_URI": system.amqp_uri}))
    assert error is None, error
    return next((row for rows in grouped.values() for row in rows if row.name == name), None)


def test_a_dead_letter_is_seen_then_replayed_after_the_fix_and_handled_exactly_once(system):
    with BusTap(system.amqp_uri) as tap:
        response = system.post("intake", "/open311/v2/requests.json", data={**WATER_LEAK, **somewhere_new()})
        assert response.status_code == 200, response.text
        sid = response.json()[0]["service_request_id"]
        (letter,) = wait_until(lambda: [d for d in list_dead_letters(WORKORDERS_DLQ, system.amqp_uri)
                                        if d["summary"]["correlation_id"] == sid], 60, what=f"{sid} dead-lettered")
        assert "no adapter configured for work-order system 'watershed'" in letter["error"]
        assert letter["event_type"] == "RequestRouted"
        assert dead_letters_in_metrics(system) == 1
        row = wait_until(lambda: (r := queue_row(system, WORKORDERS_DLQ)) and r.ready == 1 and r, 60, 1,
                         "the dead letter in the management API's figures")
        assert row.state == "red" and "dead letters present" in row.reasons
        assert {name: (d["breaker"], d["waiting"]) for name, d in departments(system).items()} == {
            "streets": ("closed", 0), "solidwaste": ("closed", 0), "watershed": ("not configured", 1)}

        workorders = system.services["workorders"]             # the fix: Watershed configured, and a restart
        workorders.stop()
        workorders.env = {**system.env, "WORK_ORDER_SYSTEMS": "[streets, watershed, solidwaste]"}
        workorders.start()
        assert replay(WORKORDERS_DLQ, letter["id"], system.amqp_uri) == (1, 0)

        wait_until(lambda: tap.of_type("WorkOrderCreated", sid), 60, what=f"{sid}'s work order created")
        assert len(legacy_orders(system, sid, "watershed")) == 1
        assert list_dead_letters(WORKORDERS_DLQ, system.amqp_uri) == []
        assert dead_letters_in_metrics(system) == 0
        assert departments(system)["watershed"] == {"breaker": "closed", "waiting": 0, "oldest_pending_seconds": 0}
    assert len({event["event_id"] for event in tap.of_type("WorkOrderCreated", sid)}) == 1
