"""The Transportation (OAGIS-style XML over its own RabbitMQ queues) client against the real simulator process."""
import sqlite3
from contextlib import closing

import amqp
import kombu
import pytest
from sqlalchemy import make_url

from services.workorders.adapters import PermanentError, TransientError, build_client
from tests.integration.legacy.department_systems import client_settings, simulator_arguments, transportation_vhost


@pytest.fixture(scope="module")
def amqp_uri():
    with transportation_vhost() as uri:
        yield uri


@pytest.fixture(scope="module")
def simulator(amqp_uri, launch_simulator, tmp_path_factory):
    started = launch_simulator("transportation", *simulator_arguments("transportation", amqp_uri))
    warm_up = build_client("transportation", client_settings(started, amqp_uri, tmp_path_factory.mktemp("journal")))

    def queues_declared():  # /health answers before the system has reached the broker
        try:
            return warm_up.find_by_reference("SR-warm-up") is None
        except TransientError:
            return False
    started.poll_queues = queues_declared
    return started


@pytest.fixture
def settings(simulator, amqp_uri, tmp_path, wait_for):
    wait_for(simulator.poll_queues, timeout=20)
    return client_settings(simulator, amqp_uri, tmp_path)


@pytest.fixture
def client(settings):
    return build_client("transportation", settings)


@pytest.fixture
def impatient_client(settings):
    """Gives up on an Acknowledge after 0.3 s (same journal as ``client``)."""
    return build_client("transportation", {**settings, "ack_timeout_seconds": 0.3})


def take_all(uri: str, queue: str) -> list[amqp.Message]:
    """Every message waiting on one of the system's queues (removed)."""
    with kombu.Connection(uri, connect_timeout=10) as connection:
        channel = connection.default_channel
        taken = []
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            taken.append(message)
        return taken


def waiting(uri: str, queue: str) -> int:
    """How many messages wait on one of the system's queues."""
    with kombu.Connection(uri, connect_timeout=10) as connection:
        return connection.default_channel.queue_declare(queue, passive=True).message_count


def test_work_order_is_created_found_and_followed_to_closed(simulator, client, new_request, check_lifecycle,
                                                            wait_for):
    simulator.admin("POST", "/admin/crew", {"paused": True})  # stepped by hand: quicker than the crew
    request = new_request("TRAFFIC_SIGNAL", priority="emergency")
    created = client.create(request)
    assert created.legacy_id.startswith("TMO-") and created.legacy_status == "ENTERED"
    assert client.find_by_reference(request.service_request_id) == created
    for _ in range(3):
        simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id})

    def closed_in_sync_documents():
        changes, cursor = client.fetch_changes(None)
        return any(c.status == "closed" and c.legacy_id == created.legacy_id for c in changes) and (changes, cursor)
    changes, cursor = wait_for(closed_in_sync_documents)
    mine = check_lifecycle(changes, request.service_request_id)
    history = simulator.workorders(request.service_request_id)[0]["history"]
    assert [c.legacy_status for c in mine] == [h["status"] for h in history[1:]]  # ENTERED is the creation itself
    assert client.fetch_changes(cursor)[0] == []
    again, _ = client.fetch_changes(None)  # taken off the queue, yet kept until the caller's cursor moves on
    assert [c.change_id for c in again if c.legacy_id == created.legacy_id] == [c.change_id for c in mine]


def test_late_acknowledge_is_kept_for_the_retrys_look_up(simulator, client, impatient_client, new_request, wait_for):
    request = new_request("STREETLIGHT_OUT")
    simulator.faults(slow_ms=1000)
    with pytest.raises(TransientError, match="no Acknowledge .* within 0.3s"):
        impatient_client.create(request)
    found = wait_for(lambda: client.find_by_reference(request.service_request_id))
    assert [w["legacy_id"] for w in simulator.workorders(request.service_request_id)] == [found.legacy_id]


def test_doubled_and_late_acknowledgements_are_kept_once(simulator, amqp_uri, settings, client, impatient_client,
                                                        new_request, wait_for):
    simulator.faults(duplicate_status=True, slow_ms=1000)   # every Acknowledge comes late, and twice
    request = new_request("SIGN_DOWN")
    with pytest.raises(TransientError):
        impatient_client.create(request)
    found = wait_for(lambda: client.find_by_reference(request.service_request_id))
    again = client.create(request)  # the retry's Process: Rejected DUPLICATE, twice, with the order on file
    assert again == found and client.find_by_reference(request.service_request_id) == found
    assert [w["legacy_id"] for w in simulator.workorders(request.service_request_id)] == [found.legacy_id]

    def both_answers_taken():  # two documents, four Acknowledge messages, the queue empty
        client.find_by_reference(request.service_request_id)
        with closing(sqlite3.connect(make_url(settings["journal_database_url"]).database)) as journal:
            kept = journal.execute("SELECT accepted, reason_code FROM transportation_acknowledgements WHERE"
                                   " correlation_id = ? ORDER BY arrival", (request.service_request_id,)).fetchall()
        return waiting(amqp_uri, "transportation.acknowledge") == 0 and len(kept) >= 2 and kept
    assert wait_for(both_answers_taken) == [(1, None), (0, "DUPLICATE")]  # each doubled one kept once
    assert take_all(amqp_uri, "transportation.parked") == []  # doubled is not unreadable


@pytest.mark.parametrize("fault", [{"down_for_seconds": 30}, {"error_rate": 1.0}, {"malformed_rate": 1.0}],
                         ids=["down", "error", "malformed"])
def test_each_fault_is_a_transient_error_and_a_retry_converges(simulator, client, impatient_client, new_request,
                                                                fault):
    request = new_request("SIGN_DOWN")
    simulator.faults(**fault)
    for _ in range(2):  # a first attempt, and a retry while the fault lasts: two Process documents
        with pytest.raises(TransientError):
            impatient_client.find_by_reference(request.service_request_id) or impatient_client.create(request)
    simulator.faults(clear=True)
    retried = client.find_by_reference(request.service_request_id) or client.create(request)
    assert [w["legacy_id"] for w in simulator.workorders(request.service_request_id)] == [retried.legacy_id]


def test_unreadable_documents_are_parked_with_the_reason_and_the_rest_flows(simulator, amqp_uri, client,
                                                                            impatient_client, new_request, wait_for):
    take_all(amqp_uri, "transportation.parked")
    with kombu.Connection(amqp_uri, connect_timeout=10) as connection:
        connection.default_channel.basic_publish(amqp.Message(b"<ProcessMaintenanceOrder><oops"), exchange="",
                                                 routing_key="transportation.process")
    created = client.create(new_request("ABANDONED_VEHICLE_ROADWAY"))  # queued behind the bad one
    simulator.faults(malformed_rate=1.0)   # its Acknowledge is cut short: parked by the city
    with pytest.raises(TransientError):
        impatient_client.create(new_request("ABANDONED_VEHICLE_ROADWAY"))
    parked = wait_for(lambda: len(found := take_all(amqp_uri, "transportation.parked")) >= 2 and found)
    reasons = {(m.headers["x-parked-by"], m.headers["x-parked-reason"].split(":")[0]) for m in parked}
    assert ("transportation", "not well-formed XML") in reasons
    assert ("city311", "unreadable AcknowledgeMaintenanceOrder") in reasons
    assert created.legacy_id.startswith("TMO-")


def test_refusal_is_a_permanent_error_with_the_reason(simulator, settings, new_request):
    client = build_client("transportation", {**settings, "category_map": {"SPEED_HUMP_REQUEST": "ZZ-99"}})
    with pytest.raises(PermanentError, match=r"UNKNOWN_ORDER_TYPE: Unknown category 'ZZ-99'"):
        client.create(new_request("SPEED_HUMP_REQUEST"))


def test_cancel_document_cancels_and_a_completed_order_is_refused(simulator, client, new_request):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    open_one, done_one = client.create(new_request("SIGN_DOWN")), client.create(new_request("SIGN_DOWN"))
    assert client.cancel(open_one.legacy_id, "Resident withdrew the request") is True
    assert simulator.workorders(open_one.external_reference)[0]["status"] == "CANCELLED"
    simulator.admin("POST", "/admin/advance", {"legacy_id": done_one.legacy_id, "status": "COMPLETED"})
    with pytest.raises(PermanentError, match="NOT_CANCELLABLE: .* can no longer be cancelled"):
        client.cancel(done_one.legacy_id, "too late")
