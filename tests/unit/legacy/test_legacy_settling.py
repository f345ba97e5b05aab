"""Waiting for a system to settle after a create without an answer, on a controlled clock (no network)."""
import pytest

from services.workorders.adapters.base import LegacyWorkOrder, NoAnswer, TransientError
from services.workorders.adapters.settling import Settling

FOUND = LegacyWorkOrder("WO-1", "26-0000001", "OPEN")


class Clock:
    """A clock that moves only when the code under test sleeps; records the waits."""

    def __init__(self):
        self.now, self.waits = 0.0, []

    def sleep(self, seconds):
        self.waits.append(seconds)
        self.now += seconds


def settling(clock, seconds=10.0):
    return Settling(seconds=seconds, first_wait=0.25, longest_wait=2.0, sleep=clock.sleep, clock=lambda: clock.now)


def no_answer():
    raise NoAnswer("streets", "no answer within 10s")


def test_a_create_without_an_answer_is_looked_up_with_back_off_until_it_appears():
    clock, looked_up = Clock(), []

    def find():
        looked_up.append(clock.now)
        return FOUND if clock.now >= 3 else None
    assert settling(clock).create(no_answer, find) == FOUND
    assert clock.waits == [0.25, 0.5, 1.0, 2.0]
    assert looked_up == [0.0, 0.25, 0.75, 1.75, 3.75]


def test_nothing_turning_up_within_the_settle_time_is_reported_as_no_answer():
    clock = Clock()
    with pytest.raises(NoAnswer, match="no answer within 10s"):
        settling(clock, seconds=5).create(no_answer, lambda: None)
    assert sum(clock.waits) <= 5


def test_a_failing_look_up_while_settling_keeps_waiting_for_the_create():
    clock, answers = Clock(), iter([TransientError("streets", "HTTP 503"), None, FOUND])

    def find():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer
    assert settling(clock).create(no_answer, find) == FOUND


def test_a_create_refused_at_the_door_is_not_waited_for():
    """503, connection refused: the system never took the create, so the retry may create at once."""
    clock = Clock()

    def create():
        raise TransientError("streets", "HTTP 503")
    with pytest.raises(TransientError, match="HTTP 503") as raised:
        settling(clock).create(create, lambda: pytest.fail("looked up after a definite failure"))
    assert not isinstance(raised.value, NoAnswer) and clock.waits == []


def test_an_answered_create_is_not_looked_up():
    assert settling(Clock()).create(lambda: FOUND, lambda: pytest.fail("looked up after an answer")) == FOUND
