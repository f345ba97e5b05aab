"""The dead-letter tool's show and discard (with a kept record of who, when and why) and `python -m
shared.operations status`, against a real RabbitMQ on a vhost of its own (and its management API)."""
import json
import os
import subprocess
import sys

import pytest
from kombu import Connection

from shared import operations
from shared.events import new_event
from shared.messaging import deadletters
from shared.messaging.topology import ServiceQueues, work_queue_name
from tests.support.broker import isolated_vhost
from tests.support.processes import ROOT
from tests.support.waiting import wait_until

pytestmark = pytest.mark.integration
WORK_QUEUE = work_queue_name("intake", "RequestCreated", "routing", "route_request")
PERSONAL = "Carmen Ruiz, 404-555-0199"
EXAMPLE = json.loads((ROOT / "shared" / "events" / "examples" / "RequestCreated.v1.json").read_text())


@pytest.fixture
def broker():
    """A fresh vhost holding routing's dead-letter queue, one work queue (no consumer) and two dead letters."""
    with isolated_vhost() as uri:
        queues = ServiceQueues("routing", [1])
        with Connection(uri, transport_options={"confirm_publish": True}) as connection:
            channel = connection.channel()
            queues.dead_letter_queue().bind(channel).declare()
            queues.work_queue(WORK_QUEUE, "intake", "RequestCreated").bind(channel).declare()
            event = new_event("RequestCreated", dict(EXAMPLE, service_request_id="26-0000042", description=PERSONAL),
                              "26-0000042", "intake")
            for body in (json.dumps(event).encode(), b"\xff not json"):
                connection.Producer(channel).publish(body, exchange="", routing_key="routing.dlq", delivery_mode=2,
                                                     headers={"x-city311-error": "KeyError: 'service_code'",
                                                              "x-city311-attempts": 4, "x-city311-queue": WORK_QUEUE,
                                                              "x-city311-failed-at": "2026-12-01T09:00:00+00:00",
                                                              "x-city311-original-exchange": "intake.events",
                                                              "x-city311-original-routing-key": "RequestCreated"})
            channel.close()
        yield uri, event


def run(module, *argv, uri, **env):
    return subprocess.run([sys.executable, "-m", module, *argv], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "AMQP_URI": uri, **env})


def test_list_describes_dead_letters_without_their_personal_data(broker):
    uri, event = broker
    letters = deadletters.list_dead_letters("routing.dlq", uri)
    assert [d["id"] for d in letters] == [event["event_id"], deadletters.body_digest(b"\xff not json")]
    first = letters[0]
    assert (first["queue"], first["attempts"], first["error"]) == (WORK_QUEUE, 4, "KeyError: 'service_code'")
    assert first["summary"]["correlation_id"] == "26-0000042" and "description" in first["summary"]["data_fields"]
    assert PERSONAL not in json.dumps(letters)
    assert letters[1]["summary"] == {"bytes": len(b"\xff not json"), "json": False}


def test_show_prints_one_dead_letter_in_full_and_names_an_unknown_one(broker):
    uri, event = broker
    shown = run("shared.messaging.deadletters", "show", "--service", "routing", "--id", event["event_id"], uri=uri)
    assert shown.returncode == 0, shown.stderr
    full = json.loads(shown.stdout)
    assert full["payload"]["data"]["description"] == PERSONAL and full["headers"]["x-city311-attempts"] == 4
    missing = run("shared.messaging.deadletters", "show", "--service", "routing", "--id", "nope", uri=uri)
    assert missing.returncode == 1 and "no dead letter nope in routing.dlq" in missing.stderr
    assert len(deadletters.list_dead_letters("routing.dlq", uri)) == 2       # showing takes nothing away


def test_discard_needs_a_reason_and_keeps_who_when_and_why(broker):
    uri, _ = broker
    digest = deadletters.body_digest(b"\xff not json")
    no_reason = run("shared.messaging.deadletters", "discard", "--service", "routing", "--id", digest, uri=uri)
    assert no_reason.returncode == 2 and "--reason" in no_reason.stderr
    blank = run("shared.messaging.deadletters", "discard", "--service", "routing", "--id", digest,
                "--reason", "  ", uri=uri)
    assert blank.returncode == 1 and "say why it is discarded" in blank.stderr
    done = run("shared.messaging.deadletters", "discard", "--service", "routing", "--id", digest,
               "--reason", "garbage from a test client", "--by", "olu", uri=uri)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"discarded {digest} by olu at ")
    assert [d["id"] for d in deadletters.list_dead_letters("routing.dlq", uri)] != [digest]
    assert len(deadletters.list_dead_letters("routing.dlq", uri)) == 1
    records = json.loads(run("shared.messaging.deadletters", "discarded", uri=uri).stdout)
    assert [(r["id"], r["discarded_by"], r["discard_reason"], r["dead_letter_queue"]) for r in records] == [
        (digest, "olu", "garbage from a test client", "routing.dlq")]
    assert records[0]["discarded_at"].startswith("20")


def test_replay_by_id_sends_one_dead_letter_back_to_its_work_queue(broker):
    uri, event = broker
    assert deadletters.replay("routing.dlq", event["event_id"], uri) == (1, 0)
    with Connection(uri) as connection:
        channel = connection.channel()
        message = channel.basic_get(WORK_QUEUE, no_ack=True)
        channel.close()
    assert json.loads(message.body)["event_id"] == event["event_id"]
    assert len(deadletters.list_dead_letters("routing.dlq", uri)) == 1


@pytest.mark.parametrize("command", [[], ["list"], ["show"], ["replay"], ["discard"], ["discarded"]])
def test_every_dead_letter_command_answers_help(command):
    done = run("shared.messaging.deadletters", *command, "--help", uri="amqp://guest:guest@127.0.0.1:9/")
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m shared.messaging.deadletters")


def test_status_shows_queues_by_service_with_their_state_and_the_dead_letters(broker):
    uri, event = broker
    settings = operations.OperationsSettings.from_config({"AMQP_URI": uri})
    # the management API refreshes its figures every few seconds
    status = wait_until(lambda: (s := operations.gather(settings)) and _row(s, "routing.dlq").ready == 2 and
                        _row(s, WORK_QUEUE).state == "amber" and s, 60, 1, "the management API's figures")
    assert status.management_error is None
    assert _row(status, "routing.dlq").state == "red" and _row(status, "routing.dlq").reasons == ["dead letters present"]
    assert _row(status, WORK_QUEUE).reasons == ["no consumer"] and _row(status, WORK_QUEUE).handler == "route_request"
    assert [d["id"] for d in status.dead_letters["routing"]][0] == event["event_id"]

    printed = run("shared.operations", "status", uri=uri, **{f"{s.upper()}_URL": "http://127.0.0.1:9"
                                                             for s in operations.DEFAULT_PORTS})
    assert printed.returncode == 1, printed.stderr       # problems: dead letters, services not answering
    assert "[RED  ] routing.dlq: ready 2" in printed.stdout and "dead letters present" in printed.stdout
    assert f"routing: {event['event_id']} RequestCreated in {WORK_QUEUE} after 4 attempt(s)" in printed.stdout
    assert "  routing: not answering" in printed.stdout and PERSONAL not in printed.stdout
    as_json = json.loads(run("shared.operations", "status", "--json", uri=uri).stdout)
    assert as_json["queues"]["routing"][0]["name"] in ("routing.dlq", WORK_QUEUE)


def test_status_says_plainly_when_the_management_api_is_unreachable(broker):
    uri, _ = broker
    printed = run("shared.operations", "status", uri=uri, RABBITMQ_MANAGEMENT_URL="http://127.0.0.1:9")
    assert "UNKNOWN: the RabbitMQ management API at http://127.0.0.1:9 is unreachable" in printed.stdout
    assert printed.returncode == 1
    wrong_user = run("shared.operations", "status", uri=uri, RABBITMQ_MANAGEMENT_PASSWORD="not-the-password")
    assert "refused the operations user (401)" in wrong_user.stdout


def test_status_answers_help():
    done = run("shared.operations", "status", "--help", uri="amqp://guest:guest@127.0.0.1:9/")
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m shared.operations status")


def _row(status, name):
    return next(r for rows in status.queues.values() for r in rows if r.name == name)
