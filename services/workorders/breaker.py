"""A circuit breaker per legacy system, so one system being down never delays the others.

Every transition is logged (opened, trial call let through, closed); its state is in /metrics
(`city311_workorders_breaker_state`) and in the service's /health body.
"""
import time

import structlog

log = structlog.get_logger("city311.workorders.breaker")


class CircuitOpen(Exception):
    """The system failed repeatedly; calls are held back until the cool-down ends."""


class CircuitBreaker:
    """Closed → (`threshold` transient failures in a row) → open for `cooldown` seconds → half-open.

    Half-open lets one trial call through; its success closes the breaker, its
    failure opens it again. Failing fast while a system is down keeps workers
    free for the systems that are up.
    """

    def __init__(self, name, threshold=5, cooldown=30.0, clock=time.monotonic):
        self.name = name
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at = None
        self._trial_running = False

    @property
    def state(self):
        if self._opened_at is None:
            return "closed"
        return "half_open" if self._clock() - self._opened_at >= self.cooldown else "open"

    def check(self):
        """Raise CircuitOpen unless a call may go to the system now."""
        state = self.state
        if state == "open" or (state == "half_open" and self._trial_running):
            raise CircuitOpen(f"failing; calls held back for up to {self.cooldown:g}s")
        self._trial_running = state == "half_open"
        if self._trial_running:
            log.info("circuit breaker half-open: one trial call goes to the system", system=self.name)

    def succeeded(self):
        if self._opened_at is not None:
            log.info("circuit breaker closed: the system answers again", system=self.name)
        self._failures, self._opened_at, self._trial_running = 0, None, False

    def failed(self):
        self._failures += 1
        self._trial_running = False
        if self._opened_at is not None or self._failures >= self.threshold:
            if self._opened_at is None:
                log.warning("circuit breaker opened: calls to the system are held back", system=self.name,
                            failures_in_a_row=self._failures, cooldown_seconds=self.cooldown)
            else:
                log.warning("circuit breaker re-opened: a call failed after it opened (the trial, or one in "
                            "flight)", system=self.name, cooldown_seconds=self.cooldown)
            self._opened_at = self._clock()
