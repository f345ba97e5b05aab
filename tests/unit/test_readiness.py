"""A service's readiness: what it waits for, its health answer, and the capped backoff of its waits."""
import pytest

from shared import readiness as readiness_module
from shared.readiness import Readiness, wait_for


class Unreachable(OSError):
    pass


@pytest.fixture
def slept(monkeypatch):
    delays = []
    monkeypatch.setattr(readiness_module.eventlet, "sleep", delays.append)
    return delays


def test_a_service_with_nothing_to_wait_for_is_ok_and_keeps_its_own_fields():
    assert Readiness().health(deliveries_due=3) == (200, {"status": "ok", "deliveries_due": 3})


def test_a_service_waiting_for_its_broker_answers_503_and_says_where_and_why():
    readiness = Readiness()
    readiness.waiting("evt-queue", "broker", "rabbit:5672", ConnectionRefusedError(111, "Connection refused"))
    status, body = readiness.health(deliveries_due=3)
    assert status == 503
    assert body["status"] == "waiting" and body["waiting_for"] == "broker" and body["deliveries_due"] == 3
    assert body["detail"] == ["waiting for the broker at rabbit:5672: [Errno 111] Connection refused"]


def test_the_service_is_ok_only_once_every_reporter_is_ready():
    readiness = Readiness()
    readiness.waiting("first", "broker", "rabbit:5672", "down")
    readiness.waiting("second", "broker", "rabbit:5672", "down")
    readiness.ready("first")
    assert readiness.health()[0] == 503 and readiness.is_waiting("second") and not readiness.is_waiting("first")
    readiness.ready("second")
    assert readiness.health() == (200, {"status": "ok"})


def test_a_database_that_stops_answering_turns_health_to_503_and_back():
    readiness, answering = Readiness(), [True]

    def select_one():
        if not answering[0]:
            raise TimeoutError("no answer in 5 s")
    readiness.add_probe("database", "db:5432/routing", select_one)
    assert readiness.health()[0] == 200
    answering[0] = False
    status, body = readiness.health()
    assert (status, body["waiting_for"]) == (503, "database")
    assert body["detail"] == ["waiting for the database at db:5432/routing: no answer in 5 s"]
    answering[0] = True
    assert readiness.health()[0] == 200


def test_waiting_for_both_names_both():
    readiness = Readiness()
    readiness.waiting("database", "database", "db", "down")
    readiness.waiting("queue", "broker", "rabbit", "down")
    assert readiness.health()[1]["waiting_for"] == "broker, database"


def test_a_wait_backs_off_exponentially_to_thirty_seconds_and_reports_until_it_succeeds(slept):
    readiness, failures, seen = Readiness(), iter(range(8)), []

    def attempt():
        if next(failures, None) is not None:
            raise Unreachable("connection refused")
        return "declared"

    def on_wait():
        seen.append(readiness.health()[1]["waiting_for"])
    assert wait_for(attempt, readiness, "queue", "broker", "rabbit:5672", Unreachable, on_wait) == "declared"
    assert slept == [1, 2, 4, 8, 16, 30, 30, 30]
    assert seen == ["broker"] * 8
    assert readiness.health() == (200, {"status": "ok"})


def test_an_error_that_is_not_unreachability_is_not_waited_out(slept):
    def attempt():
        raise ValueError("PRECONDITION_FAILED: inequivalent arg 'x-queue-type'")
    with pytest.raises(ValueError):
        wait_for(attempt, Readiness(), "queue", "broker", "rabbit:5672", Unreachable)
    assert slept == []
