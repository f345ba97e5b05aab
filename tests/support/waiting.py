"""Bounded waiting: every wait in the suite has a deadline and says what it waited for."""
import time


class TimedOut(AssertionError):
    pass


def wait_until(probe, timeout=30.0, interval=0.1, what="condition"):
    """Call `probe` until it returns something truthy; return that, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = probe()
        except Exception as exc:  # a server still starting, a row not there yet
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise TimedOut(f"gave up after {timeout:.0f}s waiting for {what}; last saw: {last!r}")
