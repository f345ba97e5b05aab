"""The Solid Waste (fixed-width batch files) client against the real simulator process."""
from datetime import datetime, timezone

import pytest

from services.workorders.adapters import PermanentError, TransientError, build_client
from services.workorders.adapters.solidwaste_files import WORKORDERS
from services.workorders.adapters.solidwaste_formats import write_atomically


@pytest.fixture(scope="module")
def simulator(launch_simulator):
    return launch_simulator("solidwaste")


@pytest.fixture
def client(simulator):
    return build_client("solidwaste", {"data_dir": str(simulator.data_dir), "ack_timeout_seconds": 8,
                                       "poll_interval_seconds": 0.05})


@pytest.fixture
def impatient_client(simulator):
    """Gives up on an answer after 1.5 s, so faults show quickly."""
    return build_client("solidwaste", {"data_dir": str(simulator.data_dir), "ack_timeout_seconds": 1.5,
                                       "poll_interval_seconds": 0.05})


def test_work_order_is_created_found_and_followed_to_closed(simulator, client, new_request, check_lifecycle,
                                                            wait_for):
    request = new_request("MISSED_PICKUP")
    created = client.create(request)
    assert created.legacy_id.startswith("SW") and len(created.legacy_id) == 10 and created.legacy_status == "RC"
    assert client.find_by_reference(request.service_request_id) == created

    simulator.wait_for_status(request.service_request_id, {"CP"})

    def closed_in_status_files():
        changes, cursor = client.fetch_changes(None)
        return any(c.status == "closed" and c.legacy_id == created.legacy_id for c in changes) and (changes, cursor)
    changes, cursor = wait_for(closed_in_status_files)  # the next status file carries it within ~0.5 s
    mine = check_lifecycle(changes, request.service_request_id)
    assert len(mine) > len({c.change_id for c in mine}), "overlapping status files repeat changes, same ids"

    again, _ = client.fetch_changes(None)  # read every file once more: the same changes, the same ids
    assert {c.change_id for c in again if c.external_reference == request.service_request_id} == \
        {c.change_id for c in mine}
    later, _ = client.fetch_changes(cursor)
    assert all(c.change_id in {m.change_id for m in mine}
               for c in later if c.external_reference == request.service_request_id)


def test_rejected_line_is_a_permanent_error_with_line_and_field(simulator, new_request):
    client = build_client("solidwaste", {"data_dir": str(simulator.data_dir), "category_map": {"DEAD_ANIMAL": "ZZ99"}})
    with pytest.raises(PermanentError, match=r"line 2 CATEGORY: E05 UNKNOWN CATEGORY CODE 'ZZ99'"):
        client.create(new_request("DEAD_ANIMAL"))


def test_rej_file_lists_every_line_error(simulator, wait_for):
    lines = [WORKORDERS.encode("H", {"sender": "CITY311", "created_at": datetime.now(timezone.utc)}),
             WORKORDERS.encode("D", {"external_ref": "SR-bad-1", "category": "MC01", "priority": "9",
                                     "description": "x"}),
             "D this line is far too short",
             WORKORDERS.encode("T", {"record_count": 7})]
    write_atomically(simulator.data_dir / "inbound" / "HANDMADE.DAT", lines)
    answer = simulator.data_dir / "outbound" / "acks" / "HANDMADE.REJ"
    rejection = wait_for(lambda: answer.exists() and answer.read_text())
    errors = [(line[1:7], line[7:19].strip(), line[19:23].strip()) for line in rejection.splitlines() if line[0] == "E"]
    assert errors == [("000002", "PRIORITY", "E06"), ("000003", "RECORD", "E01"), ("000004", "RECORD_COUNT", "E07")]
    assert simulator.workorders("SR-bad-1") == []


def test_cancel_is_not_supported(client):
    assert client.cancel("SW00000001", "no longer needed") is False


@pytest.mark.parametrize("fault", [{"down_for_seconds": 30}, {"slow_ms": 3000}, {"error_rate": 1.0},
                                   {"malformed_rate": 1.0}], ids=["down", "slow", "error", "malformed"])
def test_each_fault_is_a_transient_error_and_a_retry_converges(simulator, impatient_client, client, new_request,
                                                                fault):
    request = new_request("BULK_PICKUP")
    simulator.faults(**fault)
    with pytest.raises(TransientError):
        impatient_client.create(request)
    simulator.faults(clear=True)
    retried = client.create(request)  # queued or accepted earlier: still one work order for our reference
    assert [w["legacy_id"] for w in simulator.workorders(request.service_request_id)] == [retried.legacy_id]


def test_garbage_lines_in_status_files_are_skipped(simulator, client, new_request, wait_for):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    created = client.create(new_request("DUMPED_TIRES"))
    simulator.faults(malformed_rate=1.0)  # from now on every status file carries a garbage line
    simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id})

    def assigned_changes():
        return [c for c in client.fetch_changes(None)[0] if c.legacy_id == created.legacy_id and c.status == "assigned"]
    assert wait_for(assigned_changes)
    status_files = (simulator.data_dir / "outbound" / "status").glob("STATUS_*.TXT")
    assert any("####" in path.read_text() for path in status_files)
