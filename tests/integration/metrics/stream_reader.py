"""Read the metrics stream in tests, with the subscriber's own consuming code."""
from services.metrics import subscriber


class Collect:
    """A subscriber sink that keeps (offset, message) pairs."""

    def __init__(self):
        self.messages, self.count = [], 0

    def write(self, offset, body):
        self.messages.append((offset, body))
        self.count += 1


def read(uri, queue, start, limit=None, idle_exit=1.0):
    """Every (offset, message) from `start` until `limit` messages or `idle_exit` seconds of quiet."""
    sink = Collect()
    subscriber.follow(uri, queue, start, sink, limit=limit, idle_exit=idle_exit)
    return sink.messages
