"""What a service still waits for (its broker, its database), kept in one place, and its health answer.

A service started while RabbitMQ or its database is unreachable does not exit:
its web server answers, its event handlers and its unit-of-work provider wait
with capped exponential backoff and report here, and `/health` says so:

    503 {"status": "waiting", "waiting_for": "broker", "detail": ["waiting for the broker at ...: ..."]}
    200 {"status": "ok"}                        once every reporter is ready and the database answers

One `Readiness` per service container: every reporter (an extension of that
container) finds the same one with `readiness_of(container)`.
"""
from datetime import datetime, timezone

import eventlet
import structlog
from kombu import Connection
from kombu.exceptions import OperationalError

from shared.messaging.failures import CappedBackoff

log = structlog.get_logger("city311.readiness")

DATABASE = "database"   # the reporter of a service's database connection (its unit-of-work provider)
FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0


class Readiness:
    """The waits reported by a service's parts, and the probes asked again at every health check."""

    def __init__(self):
        self._waits = {}    # reporter -> (what, description, since)
        self._probes = {}   # what -> (where, probe): probe() raises when `what` does not answer

    def waiting(self, reporter, what, where, reason):
        """`reporter` cannot go on until `what` (broker, database) at `where` answers; `reason`: why not."""
        since = self._waits.get(reporter, (None, None, _now()))[2]
        self._waits[reporter] = (what, f"waiting for the {what} at {where}: {_described(reason)}", since)

    def ready(self, reporter):
        """`reporter` has what it waited for."""
        self._waits.pop(reporter, None)

    def is_waiting(self, reporter):
        return reporter in self._waits

    def wait_until_ready(self, reporter, interval=0.2):
        """Block (this green thread) while `reporter` still waits."""
        while self.is_waiting(reporter):
            eventlet.sleep(interval)

    def add_probe(self, what, where, probe):
        """Ask `probe()` at each health check once nothing waits for `what` (has it stopped answering?).

        The probe raises when `what` does not answer, and bounds its own wait.
        """
        self._probes[what] = (where, probe)

    def health(self, **fields):
        """(HTTP status, body): 200 {"status": "ok", **fields}, or 503 with what the service waits for."""
        waits = {what: (description, since) for what, description, since in self._waits.values()}
        for what, (where, probe) in self._probes.items():
            if what not in waits:
                failure = _failure(probe)
                if failure:
                    waits[what] = (f"waiting for the {what} at {where}: {_described(failure)}", _now())
        if not waits:
            return 200, {"status": "ok", **fields}
        return 503, {"status": "waiting", "waiting_for": ", ".join(sorted(waits)),
                     "detail": [description for description, _ in waits.values()],
                     "since": min(since for _, since in waits.values()), **fields}


def readiness_of(container):
    """The Readiness of a service container, made on first use.

    Kept in the container's registry of shared extensions, where nameko keeps what its
    extensions share (nothing else there is asked for this key).
    """
    return container.shared_extensions.setdefault(Readiness, Readiness())


def wait_for(attempt, readiness, reporter, what, where, unreachable, on_wait=None):
    """Call `attempt()` until it stops raising `unreachable`, waiting with backoff; report and log each wait.

    `on_wait()` is called before each wait. Returns what `attempt` returned; `reporter` is marked ready.
    """
    backoff = CappedBackoff(FIRST_DELAY_SECONDS, MAX_DELAY_SECONDS)
    while True:
        try:
            result = attempt()
        except unreachable as exc:
            delay = backoff.next_delay()
            readiness.waiting(reporter, what, where, exc)
            log.warning(f"waiting for the {what} at {where}", waiter=reporter, retry_in_seconds=delay,
                        error=_described(exc))
            if on_wait:
                on_wait()
            eventlet.sleep(delay)
        else:
            readiness.ready(reporter)
            return result


def wait_for_broker(attempt, readiness, reporter, amqp_uri, on_wait=None):
    """`wait_for` the broker at `amqp_uri`: `attempt()` raises kombu's and amqp's connection errors until it answers."""
    with Connection(amqp_uri) as broker:   # not connected: only read for the errors of its transport
        unreachable = (OperationalError, *broker.connection_errors)
    return wait_for(attempt, readiness, reporter, "broker", broker_address(amqp_uri), unreachable, on_wait)


def broker_address(amqp_uri):
    """host:port of a broker URI, of each node of a cluster's list (`;`-separated), never its credentials."""
    from shared.messaging.nodes import addresses
    return addresses(amqp_uri)


def _failure(probe):
    try:
        probe()
    except Exception as exc:  # any error means it does not answer usefully; the text says which
        return exc
    return None


def _described(reason):
    """The first line of an error's text (or its type), short enough for a health answer and a log line."""
    text = str(reason).strip()
    return text.splitlines()[0][:300] if text else type(reason).__name__


def _now():
    return datetime.now(timezone.utc).isoformat()
