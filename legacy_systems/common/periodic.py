"""A background thread that runs one action at a fixed interval until stopped."""
import logging
import threading

log = logging.getLogger("periodic")


class PeriodicTask(threading.Thread):
    """Calls ``action()`` every ``interval_seconds``; an exception is logged, never fatal.

    A run of failures (a database or broker gone for a while) is logged once
    with its traceback, and once more when the action works again.
    """

    def __init__(self, name: str, interval_seconds: float, action):
        super().__init__(name=name, daemon=True)
        self._interval = interval_seconds
        self._action = action
        self._stopping = threading.Event()
        self._failures = 0

    def run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self._action()
            except Exception:  # the loop must outlive one bad tick
                if not self._failures:
                    log.exception("%s failed; continuing (further failures in a row are not logged)", self.name)
                self._failures += 1
                continue
            if self._failures:
                log.info("%s works again after %d failed run(s)", self.name, self._failures)
            self._failures = 0

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end and wait for it (bounded)."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)
