"""An event the broker keeps refusing is parked with its reason; operators list it, count it and release it."""
import json
import os
import subprocess
import sys

from structlog.testing import capture_logs

from shared.messaging.outbox import parked_count
from tests.support.processes import ROOT


def _relay_everything_due(relay):
    while relay.relay_batch():
        pass


def _outbox_cli(intake_outbox, *args):
    env = dict(os.environ, INTAKE_DATABASE_URL=intake_outbox.url)
    return subprocess.run([sys.executable, "-m", "shared.messaging.outbox", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def _parked(intake_outbox):
    done = _outbox_cli(intake_outbox, "--service", "intake", "list-parked")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _park_a_refused_event(intake_outbox, amqp_uri, bound_queue):
    """Request 1's RequestCreated goes where nobody listens, and its status change waits behind it."""
    queue = bound_queue("RequestCreated", "RequestStatusChanged")
    refused = intake_outbox.record("RequestCreated", "26-0000001", routing_key="NobodyBindsThis")
    intake_outbox.record("RequestStatusChanged", "26-0000001")
    intake_outbox.record("RequestCreated", "26-0000002")
    relay = intake_outbox.relay(amqp_uri, park_after=3, max_retry_pause=0.0)
    with capture_logs() as logs:
        _relay_everything_due(relay)
    return queue, refused, relay, logs


def test_an_event_refused_park_after_times_is_parked_with_its_reason_and_holds_back_its_request(
        intake_outbox, amqp_uri, bound_queue):
    queue, refused, _, logs = _park_a_refused_event(intake_outbox, amqp_uri, bound_queue)

    row = intake_outbox.row(refused)
    assert row.parked_at is not None and row.published_at is None and row.attempts == 3
    assert "no queue is bound for intake.events/NobodyBindsThis" in row.last_error
    assert queue.drain() == [("RequestCreated", "26-0000002")], "the request's later event waits behind it"
    with intake_outbox.sessions() as session:
        assert parked_count(session) == 1
    (parked_log,) = [entry for entry in logs if entry["event"].startswith("outbox event parked")]
    assert parked_log["log_level"] == "error" and parked_log["outbox_id"] == refused


def test_operators_list_a_parked_event_and_release_it_and_its_request_flows_again(intake_outbox, amqp_uri,
                                                                                 bound_queue):
    queue, refused, relay, _ = _park_a_refused_event(intake_outbox, amqp_uri, bound_queue)

    (listed,) = _parked(intake_outbox)
    assert listed["id"] == refused and listed["correlation_id"] == "26-0000001"
    assert listed["routing_key"] == "NobodyBindsThis" and listed["attempts"] == 3
    assert "no queue is bound" in listed["last_error"] and listed["events_held_back"] == 1

    queue.bind("NobodyBindsThis")
    released = _outbox_cli(intake_outbox, "--service", "intake", "release", str(refused))
    assert released.returncode == 0, released.stderr
    assert _parked(intake_outbox) == []
    _relay_everything_due(relay)
    assert queue.drain()[1:] == [("RequestCreated", "26-0000001"), ("RequestStatusChanged", "26-0000001")]
    with intake_outbox.sessions() as session:
        assert parked_count(session) == 0


def test_releasing_an_event_that_is_not_parked_says_so_and_fails(intake_outbox):
    row_id = intake_outbox.record("RequestCreated", "26-0000001")

    done = _outbox_cli(intake_outbox, "--service", "intake", "release", str(row_id))

    assert done.returncode == 1
    assert f"outbox row {row_id} is not parked" in done.stderr


def test_the_outbox_command_explains_itself_and_refuses_bad_arguments(intake_outbox):
    helped = _outbox_cli(intake_outbox, "--help")
    assert helped.returncode == 0 and "list-parked" in helped.stdout and "release" in helped.stdout

    for bad, says in ([["--service", "intake", "release", "seven"], "invalid int value: 'seven'"],
                      [["--service", "nowhere", "list-parked"], "invalid choice: 'nowhere'"],
                      [["list-parked"], "--service"],
                      [["--service", "intake", "unpark-everything"], "invalid choice"]):
        done = _outbox_cli(intake_outbox, *bad)
        assert done.returncode == 2 and says in done.stderr, (bad, done.stderr)
