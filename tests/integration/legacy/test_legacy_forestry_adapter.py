"""The Forestry (interface tables) client against the real simulator process, on SQLite and on MariaDB."""
import pytest
from sqlalchemy import create_engine, text

from services.workorders.adapters import PermanentError, TransientError, build_client
from tests.integration.legacy.department_systems import client_settings, mariadb_database, simulator_arguments


@pytest.fixture(scope="module", params=["sqlite", "mariadb"])
def backend(request):
    """None for the SQLite file in the data dir, else the URL of a fresh MariaDB database."""
    if request.param == "sqlite":
        yield None
        return
    with mariadb_database() as url:
        yield url


@pytest.fixture(scope="module")
def simulator(backend, launch_simulator):
    return launch_simulator("forestry", *simulator_arguments("forestry", backend))


@pytest.fixture
def settings(simulator, backend, tmp_path):
    return client_settings(simulator, backend, tmp_path)


@pytest.fixture
def client(settings):
    return build_client("forestry", settings)


@pytest.fixture
def impatient_client(settings):
    """Gives up on the job's answer after 0.3 s, so faults show quickly."""
    return build_client("forestry", {**settings, "answer_timeout_seconds": 0.3})


def interface_rows(settings, table: str, reference: str) -> list[dict]:
    """The rows of an interface table for one reference, as the department's database holds them."""
    engine = create_engine(settings["database_url"])
    with engine.connect() as connection:
        rows = connection.execute(text(f"SELECT * FROM {table} WHERE EXT_REF = :ref ORDER BY 1"), {"ref": reference})
        found = [dict(row) for row in rows.mappings()]
    engine.dispose()
    return found


def test_work_order_is_created_found_and_followed_to_closed(simulator, client, new_request, check_lifecycle,
                                                            wait_for):
    simulator.admin("POST", "/admin/crew", {"paused": True})  # stepped by hand: quicker than the crew
    request = new_request("DOWNED_TREE", priority="emergency")
    created = client.create(request)
    assert created.legacy_id.startswith("FW") and created.legacy_status == "NEW"
    assert client.find_by_reference(request.service_request_id) == created
    for _ in range(3):
        simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id})

    def closed_in_the_log():
        changes, cursor = client.fetch_changes(None)
        return any(c.status == "closed" and c.legacy_id == created.legacy_id for c in changes) and (changes, cursor)
    changes, cursor = wait_for(closed_in_the_log)
    mine = check_lifecycle(changes, request.service_request_id)
    history = simulator.workorders(request.service_request_id)[0]["history"]
    assert [c.legacy_status for c in mine] == [h["status"] for h in history[1:]]  # NEW is the creation itself
    later, _ = client.fetch_changes(cursor)  # the watermark moved past them
    assert not [c for c in later if c.legacy_id == created.legacy_id]


@pytest.mark.parametrize("fault", [{"down_for_seconds": 30}, {"slow_ms": 1000}, {"error_rate": 1.0}],
                         ids=["down", "slow", "error"])
def test_each_fault_is_a_transient_error_and_a_retry_converges(simulator, client, impatient_client, settings,
                                                                new_request, fault):
    request = new_request("TREE_LIMB")
    simulator.faults(**fault)
    with pytest.raises(TransientError):
        impatient_client.create(request)
    with pytest.raises(TransientError):
        impatient_client.find_by_reference(request.service_request_id) or impatient_client.create(request)
    simulator.faults(clear=True)
    retried = _retry_until_it_converges(lambda: client.find_by_reference(request.service_request_id)
                                        or client.create(request))
    assert [w["legacy_id"] for w in simulator.workorders(request.service_request_id)] == [retried.legacy_id]
    rows = interface_rows(settings, "WO_REQUEST_IFACE", request.service_request_id)
    if "error_rate" in fault:  # each refused attempt is its own row, answered SYS-99
        assert [(r["PROCESS_STATUS"], r["ERROR_CODE"]) for r in rows] == [("E", "SYS-99")] * 2 + [("P", None)]
    else:  # the waiting row was not submitted again
        assert [(r["PROCESS_STATUS"], r["WORK_ORDER_NO"]) for r in rows] == [("P", retried.legacy_id)]


def test_a_create_after_the_job_answered_reuses_the_answered_row(simulator, client, settings, new_request):
    """The race a retry runs into: find_by_reference saw nothing, then the job answered the earlier row
    before this create: the answered row is ours, no second row is submitted."""
    request = new_request("TREE_LIMB")
    first = client.create(request)
    again = client.create(request)
    assert again.legacy_id == first.legacy_id
    rows = interface_rows(settings, "WO_REQUEST_IFACE", request.service_request_id)
    assert [(r["PROCESS_STATUS"], r["WORK_ORDER_NO"]) for r in rows] == [("P", first.legacy_id)]
    assert [w["legacy_id"] for w in simulator.workorders(request.service_request_id)] == [first.legacy_id]


def _retry_until_it_converges(attempt, attempts=5):
    """What workorders does with a TransientError: try again (here at most `attempts` times, at once).
    On a loaded machine the job may answer the first retry after the client's 5 s answer timeout."""
    for left in range(attempts - 1, -1, -1):
        try:
            return attempt()
        except TransientError:
            if not left:
                raise


def test_half_written_answer_is_recovered_from_the_status_log(simulator, client, settings, new_request, wait_for):
    request = new_request("OVERGROWN_PARK")
    simulator.faults(malformed_rate=1.0)
    try:
        client.create(request)  # TransientError unless the status log already names the work order
    except TransientError as error:
        assert "without a work-order number" in error.reason
    simulator.faults(clear=True)
    found = wait_for(lambda: client.find_by_reference(request.service_request_id))
    assert [w["legacy_id"] for w in simulator.workorders(request.service_request_id)] == [found.legacy_id]
    [row] = interface_rows(settings, "WO_REQUEST_IFACE", request.service_request_id)
    assert (row["PROCESS_STATUS"], row["WORK_ORDER_NO"]) == ("P", None)


def test_refused_row_is_a_permanent_error_with_the_jobs_reason(simulator, settings, new_request):
    client = build_client("forestry", {**settings, "category_map": {"TREE_TRIMMING": "ZZZZ"}})
    with pytest.raises(PermanentError, match=r"VAL-02: UNKNOWN CATEGORY 'ZZZZ'"):
        client.create(new_request("TREE_TRIMMING"))


def test_cancel_row_cancels_and_a_completed_work_order_is_refused(simulator, client, new_request):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    open_one, done_one = client.create(new_request("TREE_TRIMMING")), client.create(new_request("TREE_TRIMMING"))
    assert client.cancel(open_one.legacy_id, "Resident withdrew the request") is True
    assert simulator.workorders(open_one.external_reference)[0]["status"] == "CANC"
    simulator.admin("POST", "/admin/advance", {"legacy_id": done_one.legacy_id, "status": "DONE"})
    with pytest.raises(PermanentError, match="CAN-05: WORK ORDER .* IS DONE AND CAN NO LONGER BE CANCELLED"):
        client.cancel(done_one.legacy_id, "too late")
    with pytest.raises(PermanentError, match="CAN-04"):
        client.cancel("FW9999999", "no such work order")


def test_half_written_log_rows_are_skipped(simulator, client, new_request, wait_for):
    simulator.admin("POST", "/admin/crew", {"paused": True})
    created = client.create(new_request("DOWNED_TREE"))
    _, cursor = client.fetch_changes(None)
    simulator.faults(malformed_rate=1.0)  # from now on every status-log run adds a row without data
    simulator.admin("POST", "/admin/advance", {"legacy_id": created.legacy_id})

    def assigned():
        changes, after = client.fetch_changes(cursor)
        return changes and (changes, after)
    changes, after = wait_for(assigned)
    assert [(c.legacy_id, c.status) for c in changes] == [(created.legacy_id, "assigned")]
    assert client.fetch_changes(after)[0] == []  # the cursor moved past the unreadable row too
