"""Waiting (bounded) for a department system to answer something we handed it."""
import time
from typing import Callable, TypeVar

T = TypeVar("T")


def poll_until(check: Callable[[], T | None], timeout_seconds: float, interval_seconds: float) -> T | None:
    """``check()`` every ``interval_seconds`` until it returns something other than None; None at the deadline."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        result = check()
        if result is not None or time.monotonic() >= deadline:
            return result
        time.sleep(interval_seconds)
