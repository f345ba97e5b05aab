"""A background thread that runs one action at a fixed interval until stopped."""
import logging
import threading

log = logging.getLogger("periodic")


class PeriodicTask(threading.Thread):
    """Calls ``action()`` every ``interval_seconds``; an exception is logged, never fatal."""

    def __init__(self, name: str, interval_seconds: float, action):
        super().__init__(name=name, daemon=True)
        self._interval = interval_seconds
        self._action = action
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self._action()
            except Exception:  # the loop must outlive one bad tick
                log.exception("%s failed; continuing", self.name)

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the loop to end and wait for it (bounded)."""
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)
