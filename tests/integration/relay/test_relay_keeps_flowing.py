"""One event the broker refuses never holds up the others, and only an unreachable broker slows the relay."""
import pytest


class RecordedRounds:
    """Stands in for the relay's wake-up: records each pause instead of sleeping, runs `between` after each,
    and stops the relay after `rounds` of them."""

    def __init__(self, relay, rounds, between=lambda round_number: None):
        self.pauses = []
        self._relay, self._rounds, self._between = relay, rounds, between

    def wait(self, timeout):
        self.pauses.append(timeout)
        if len(self.pauses) > self._rounds:
            self._relay.stop()
        else:
            self._between(len(self.pauses))
        return False

    def set(self):
        pass

    def clear(self):
        pass


def test_an_unroutable_event_does_not_slow_the_other_requests_events(intake_outbox, amqp_uri, bound_queue):
    queue = bound_queue("RequestCreated")
    intake_outbox.record("RequestCreated", "26-0000001", routing_key="NobodyBindsThis")
    relay = intake_outbox.relay(amqp_uri, poll_interval=1.0)
    rounds = RecordedRounds(relay, 6, between=lambda n: intake_outbox.record("RequestCreated", f"26-000010{n}"))
    relay._wake = rounds

    relay.run()

    assert queue.drain() == [("RequestCreated", f"26-000010{n}") for n in range(1, 7)]
    assert rounds.pauses == [1.0] * 7, "the relay went on at its poll interval, not backing off"


def test_an_unreachable_broker_backs_off_without_spending_the_events_attempts(intake_outbox):
    row_id = intake_outbox.record("RequestCreated", "26-0000001")
    relay = intake_outbox.relay("amqp://guest:guest@127.0.0.1:1//", poll_interval=1.0)
    rounds = RecordedRounds(relay, 4)
    relay._wake = rounds

    relay.run()

    assert rounds.pauses == [1.0, 2.0, 4.0, 8.0, 16.0]
    row = intake_outbox.row(row_id)
    assert row.published_at is None and row.attempts == 0, "the broker's outage is not the event's fault"


def test_a_batch_with_an_unreachable_broker_raises_so_the_loop_backs_off(intake_outbox):
    intake_outbox.record("RequestCreated", "26-0000001")
    relay = intake_outbox.relay("amqp://guest:guest@127.0.0.1:1//")
    with pytest.raises(Exception, match="broker"):
        relay.relay_batch()
