"""The reliability rules on the real broker: redelivery, poison messages, dead letters and replay, kill -9."""
import json
import signal
import time
import uuid

from shared.messaging.deadletters import list_dead_letters, replay
from tests.integration.test_request_lifecycle import POTHOLE, file_request, legacy_orders, public_record
from tests.support.bus import BusTap, publish_raw
from tests.support.waiting import wait_until

ROUTING_DLQ = "routing.dlq"
INTAKE_DLQ = "intake.dlq"
ROUTE_REQUEST_QUEUE = "evt-intake-RequestCreated--routing.route_request"
INTAKE_ROUTED_QUEUE = "evt-routing-RequestRouted--intake.on_request_routed"


def dead_letter(system, dlq, predicate, what):
    """Wait for the dead letter matching `predicate` (other tests may have left others there)."""
    return wait_until(lambda: [d for d in list_dead_letters(dlq, system.amqp_uri) if predicate(d)],
                      30, what=what)[0]


def test_a_redelivered_event_has_no_second_effect(system):
    with BusTap(system.amqp_uri) as tap:
        sid = file_request(system)
        created = wait_until(lambda: tap.of_type("RequestCreated", sid), 30, what="RequestCreated")[0]
        wait_until(lambda: tap.of_type("RequestRouted", sid), 30, what="RequestRouted")
        publish_raw(system.amqp_uri, "intake", "RequestCreated", created)   # same event_id again
        publish_raw(system.amqp_uri, "intake", "RequestCreated", created)
        later = file_request(system)   # a request behind the redeliveries in the same queue
        wait_until(lambda: tap.of_type("RequestRouted", later), 30, what="the later request routed")
        time.sleep(1.0)                # and a moment for any straggler worker
        assert len(tap.of_type("RequestRouted", sid)) == 1
    assert len(legacy_orders(system, sid)) <= 1


def test_an_invalid_event_is_dead_lettered_with_its_reason(system):
    bad = {"event_id": str(uuid.uuid4()), "event_type": "RequestCreated", "schema_version": 1,
           "occurred_at": "2026-11-23T10:00:00+00:00", "correlation_id": "x", "producer": "intake",
           "data": {"service_request_id": "x", "lat": 500}}
    publish_raw(system.amqp_uri, "intake", "RequestCreated", bad)
    dead = dead_letter(system, ROUTING_DLQ, lambda d: d["event_id"] == bad["event_id"], "the poison message")
    assert "InvalidEvent" in dead["error"] and "service_code" in dead["error"] and "lat" in dead["error"]
    assert (dead["original_exchange"], dead["original_routing_key"]) == ("intake.events", "RequestCreated")
    assert dead["queue"] == ROUTE_REQUEST_QUEUE


def test_an_undecodable_message_is_dead_lettered(system):
    publish_raw(system.amqp_uri, "intake", "RequestCreated", b"\xff not json", content_type="application/json")
    dead = dead_letter(system, ROUTING_DLQ, lambda d: d["error"] and "undecodable" in d["error"],
                       "the undecodable message")
    assert dead["queue"] == ROUTE_REQUEST_QUEUE and dead["event_id"] is None


def _routed_for_unknown_request():
    from shared.events import new_event
    data = json.loads(open("shared/events/examples/RequestRouted.v1.json").read())
    data["service_request_id"] = f"unknown-{uuid.uuid4().hex[:6]}"
    return new_event("RequestRouted", data, data["service_request_id"], "routing")


def test_a_failing_handler_is_retried_then_dead_lettered_and_can_be_replayed(system):
    event = _routed_for_unknown_request()      # intake cannot apply it: the request does not exist
    publish_raw(system.amqp_uri, "routing", "RequestRouted", event)
    dead = dead_letter(system, INTAKE_DLQ, lambda d: d["event_id"] == event["event_id"], "the dead letter")
    assert dead["attempts"] == 4              # the first try and three retries (0.2, 0.4, 0.8 s)
    assert "LookupError" in dead["error"] and event["data"]["service_request_id"] in dead["error"]
    assert (dead["original_exchange"], dead["original_routing_key"]) == ("routing.events", "RequestRouted")
    assert dead["queue"] == INTAKE_ROUTED_QUEUE

    assert replay(INTAKE_DLQ, event["event_id"], system.amqp_uri) == (1, 0)
    again = dead_letter(system, INTAKE_DLQ, lambda d: d["event_id"] == event["event_id"]
                        and d["failed_at"] != dead["failed_at"], "the replayed message dead-lettered again")
    assert again["attempts"] == 4


def test_services_killed_mid_flight_converge_with_nothing_lost_or_duplicated(system):
    with BusTap(system.amqp_uri) as tap:
        ids = [file_request(system) for _ in range(5)]
        system.services["intake"].kill(signal.SIGKILL)
        system.services["routing"].kill(signal.SIGKILL)
        system.services["workorders"].kill(signal.SIGKILL)
        for name in ("routing", "workorders", "intake"):
            system.services[name].start()
        for sid in ids:
            wait_until(lambda: legacy_orders(system, sid), 60, what=f"work order for {sid}")
        for sid in ids:
            wait_until(lambda: public_record(system, sid)["status"] == "closed", 90, what=f"{sid} closed")
    for sid in ids:
        assert len(legacy_orders(system, sid)) == 1, sid
        assert len({e["event_id"] for e in tap.of_type("WorkOrderCreated", sid)}) == 1, sid
