"""Fault injection: the ways a department system misbehaves, switched on through the admin API.

Body of ``POST /admin/faults`` (any subset; ``clear`` first resets everything):
``down_for_seconds``, ``slow_ms``, ``write_delay_ms``, ``error_rate``, ``malformed_rate``,
``duplicate_status``, ``out_of_order_status``, ``clear``.

``write_delay_ms`` holds each create and cancel that long before it is committed, while
look-ups answer at once: a client that gives up first sees a timeout, and the work order
appears later (honoured by the systems that call ``held_write``: Streets and Watershed).
The answer shows ``writes_in_flight``, the writes held now.
"""
import logging
import random
import threading
import time
from contextlib import contextmanager

log = logging.getLogger("faults")

DEFAULTS = {"slow_ms": 0, "write_delay_ms": 0, "error_rate": 0.0, "malformed_rate": 0.0,
            "duplicate_status": False, "out_of_order_status": False}
RATES = ("error_rate", "malformed_rate")
SWITCHES = ("duplicate_status", "out_of_order_status")


class FaultInjector:
    """Current faults, and the decisions a protocol asks of them (thread-safe)."""

    def __init__(self, rng: random.Random):
        self._rng = rng
        self._lock = threading.Lock()
        self._settings = dict(DEFAULTS)
        self._down_until = 0.0
        self._writes_in_flight = 0

    def configure(self, changes: dict) -> dict:
        """Apply a ``POST /admin/faults`` body; raises ValueError naming a bad key or value."""
        validated = validate(changes)
        with self._lock:
            if validated.pop("clear", False):
                self._settings, self._down_until = dict(DEFAULTS), 0.0
            if "down_for_seconds" in validated:
                self._down_until = time.monotonic() + validated.pop("down_for_seconds")
            self._settings.update(validated)
        log.info("faults now %s", self.snapshot())
        return self.snapshot()

    def snapshot(self) -> dict:
        """The faults in force, with the seconds of downtime left."""
        with self._lock:
            remaining = max(0.0, self._down_until - time.monotonic())
            return {**self._settings, "down_for_seconds": round(remaining, 3),
                    "writes_in_flight": self._writes_in_flight}

    def is_down(self) -> bool:
        """True while the protocol side should refuse to work."""
        with self._lock:
            return time.monotonic() < self._down_until

    def delay(self) -> None:
        """Sleep as long as the slow fault asks."""
        time.sleep(self._settings["slow_ms"] / 1000)

    @contextmanager
    def held_write(self):
        """Around a create or cancel: wait as long as the write-delay fault asks, then let the write commit.

        The write counts as in flight from the wait until the block ends (committed or failed).
        """
        with self._lock:
            self._writes_in_flight += 1
            delay = self._settings["write_delay_ms"] / 1000
        try:
            if delay:
                log.info("fault: write held for %.1fs before it commits", delay)
            time.sleep(delay)
            yield
        finally:
            with self._lock:
                self._writes_in_flight -= 1

    def error_fires(self) -> bool:
        """Roll the dice for an injected server error."""
        return self._roll("error_rate")

    def malformed_fires(self) -> bool:
        """Roll the dice for a malformed reply or file."""
        return self._roll("malformed_rate")

    def distort_feed(self, changes: list) -> list:
        """Apply the duplicate / out-of-order faults to a list of status changes."""
        if self._settings["duplicate_status"]:
            changes = [change for change in changes for _ in range(2)]
        if self._settings["out_of_order_status"]:
            changes = list(reversed(changes))
        return changes

    def _roll(self, rate: str) -> bool:
        with self._lock:
            return self._rng.random() < self._settings[rate]


def validate(changes: dict) -> dict:
    """Check a faults body and return it with values of the right types."""
    if not isinstance(changes, dict):
        raise ValueError("body must be a JSON object")
    validated = {}
    for key, value in changes.items():
        if key in RATES:
            validated[key] = _number(key, value, upper=1.0)
        elif key in ("slow_ms", "write_delay_ms", "down_for_seconds"):
            validated[key] = _number(key, value, upper=None)
        elif key in (*SWITCHES, "clear"):
            if not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false")
            validated[key] = value
        else:
            known = ", ".join([*DEFAULTS, "down_for_seconds", "clear"])
            raise ValueError(f"unknown fault '{key}' (known: {known})")
    return validated


def _number(key: str, value, upper: float | None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (upper and value > upper):
        bound = f"between 0 and {upper}" if upper else "a number >= 0"
        raise ValueError(f"{key} must be {bound}")
    return float(value)
