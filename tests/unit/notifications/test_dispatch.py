"""The dispatcher on a clock the test moves: holds, retries, failures and cancellations.

The channel here is a recording stand-in; the real SMTP and SMS channels are tested against
the development servers in tests/integration/notifications/.
"""
from datetime import datetime, timedelta, timezone

from services.notifications import dispatch, subscriptions
from services.notifications.dispatch import Outcome
from services.notifications.models import Delivery
from tests.unit.notifications.conftest import Clock, deliveries, event, make_settings, published
from tests.unit.notifications.test_who_hears_what import CLOCK, contact, handle, status

EVENING = datetime(2026, 11, 25, 2, 30, tzinfo=timezone.utc)      # 21:30 in New York


class Channel:
    """Answers each send with the next scripted outcome (default: sent) and remembers what it sent."""

    def __init__(self, *outcomes):
        self.outcomes, self.sent = list(outcomes), []

    def __call__(self, outgoing):
        outcome = self.outcomes.pop(0) if self.outcomes else Outcome(True, provider_id="ok")
        if outcome.sent:
            self.sent.append(outgoing)
        return outcome


def run(uow, settings, channel, clock):
    return dispatch.deliver_due(uow, channel, settings, clock)


def test_a_message_goes_out_once_and_says_so_without_the_address(uow, settings):
    handle(uow, settings, contact(), status("received"))
    channel, clock = Channel(), Clock(CLOCK.now)
    assert run(uow, settings, channel, clock) == 1
    assert run(uow, settings, channel, clock) == 0
    [sent] = channel.sent
    assert sent.address == "resident@example.org" and sent.unsubscribe_url.startswith("http://notify.test/unsub")
    [notice] = published(uow, "NotificationSent")
    assert notice["data"]["channel"] == "email" and notice["data"]["template"] == "received"
    assert "resident@example.org" not in str(notice)


def test_texts_wait_for_morning_but_emergencies_do_not(uow, settings):
    routed = event("RequestRouted", correlation_id="26-0000124", service_request_id="26-0000124",
                   priority="emergency")
    handle(uow, settings, contact(notify_by="sms", phone="4045550134"),
           contact("26-0000124", notify_by="sms", phone="4045550199"), routed,
           status("received", "26-0000123"), status("received", "26-0000124"))
    channel, clock = Channel(), Clock(EVENING)
    _make_due(uow, EVENING)
    run(uow, settings, channel, clock)
    assert [s.address for s in channel.sent] == ["+14045550199"]            # the emergency
    [held] = deliveries(uow, address="+14045550134")
    assert (held.status, held.hold_reason) == ("pending", "quiet_hours")
    clock.advance(hours=10)                                                   # 07:30: still quiet
    run(uow, settings, channel, clock)
    assert len(channel.sent) == 1
    clock.advance(minutes=31)                                                 # 08:01
    run(uow, settings, channel, clock)
    assert [s.address for s in channel.sent] == ["+14045550199", "+14045550134"]


def test_the_rate_limit_holds_the_excess_and_sends_it_later(uow, settings):   # limit: 3 an hour
    handle(uow, settings, contact(), *(status(stage) for stage in ("received", "routed", "in_progress", "closed")))
    clock = Clock(CLOCK.now)
    _make_due(uow, clock.now)
    channel = Channel()
    run(uow, settings, channel, clock)
    assert len(channel.sent) == 3
    [held] = [d for d in deliveries(uow) if d.status == "pending" and d.template != "survey"]
    assert held.hold_reason == "rate_limit"
    clock.advance(minutes=30)
    run(uow, settings, channel, clock)
    assert len(channel.sent) == 3
    clock.advance(minutes=31)
    run(uow, settings, channel, clock)
    assert held.delivery_id in [s.delivery_id for s in channel.sent]


def test_transient_failures_back_off_exponentially_then_succeed_once(uow, settings):
    handle(uow, settings, contact(), status("received"))
    down = Outcome(False, reason="SMTP server unreachable")
    channel, clock = Channel(down, down), Clock(CLOCK.now)
    run(uow, settings, channel, clock)
    [delivery] = deliveries(uow)
    assert (delivery.attempts, delivery.hold_reason) == (1, "retry")
    clock.advance(seconds=9)
    run(uow, settings, channel, clock)
    assert deliveries(uow)[0].attempts == 1                                  # not due before 10 s
    clock.advance(seconds=1)
    run(uow, settings, channel, clock)                                        # second failure: wait 20 s
    clock.advance(seconds=20)
    run(uow, settings, channel, clock)
    assert (deliveries(uow)[0].status, deliveries(uow)[0].attempts, len(channel.sent)) == ("sent", 3, 1)
    assert len(published(uow, "NotificationSent")) == 1


def test_permanent_rejection_and_running_out_of_attempts_publish_notification_failed(uow, settings):
    handle(uow, settings, contact(), contact("26-0000124", email="b@example.org"),
           status("received"), status("received", "26-0000124"))
    clock = Clock(CLOCK.now)
    rejected = Outcome(False, reason="SMTP 550 recipient rejected", permanent=True)
    down = Outcome(False, reason="SMTP server unreachable")
    channel = Channel(rejected, *[down] * 10)
    for _ in range(6):
        run(uow, settings, channel, clock)
        clock.advance(minutes=10)
    failures = sorted((e["data"]["permanent"], e["data"]["reason"]) for e in published(uow, "NotificationFailed"))
    assert failures == [(False, "SMTP server unreachable"), (True, "SMTP 550 recipient rejected")]
    assert sorted(d.attempts for d in deliveries(uow)) == [1, 4]
    assert {d.status for d in deliveries(uow)} == {"failed"} and channel.sent == []


def test_opt_outs_unsubscribes_and_reopened_requests_cancel_what_waits(uow, settings):
    handle(uow, settings, contact(), contact("26-0000124", notify_by="sms", phone="4045550134"),
           status("closed"), status("closed", "26-0000124"))
    with uow() as unit:
        subscriptions.inbound_text(unit, settings, "+14045550134", "STOP", CLOCK.now)
    handle(uow, settings, status("reopened"))
    clock = Clock(CLOCK.now)
    clock.advance(seconds=settings.survey_delay.total_seconds() + 1)
    channel = Channel()
    run(uow, settings, channel, clock)
    by_template = {(d.service_request_id, d.template): d for d in deliveries(uow)}
    assert by_template[("26-0000123", "survey")].status == "cancelled"        # reopened before it went
    assert by_template[("26-0000124", "closed")].status == "cancelled"        # texted STOP
    assert [s.subject for s in channel.sent] == ["Request 26-0000123 is closed",
                                                 "Request 26-0000123 has been reopened"]   # told of the reopening


def test_two_dispatchers_never_send_the_same_message(uow, settings):
    handle(uow, settings, contact(), status("received"))
    now = CLOCK.now
    with uow() as unit:
        first = dispatch.claim_due(unit, now, 10, settings.lease)
    with uow() as unit:
        second = dispatch.claim_due(unit, now, 10, settings.lease)
    assert len(first) == 1 and second == []
    with uow() as unit:                                   # the lease runs out (its holder died)
        assert dispatch.claim_due(unit, now + settings.lease * 2, 10, settings.lease) == first


def _make_due(uow, moment):
    with uow() as unit:
        unit.session.query(Delivery).filter(Delivery.template != "survey").update({"next_attempt_at": moment})


def test_a_backlog_goes_out_in_rounds_one_after_the_other(uow):
    settings = make_settings(DISPATCH_BATCH_SIZE=2)
    residents = [f"26-00002{n:02d}" for n in range(5)]
    handle(uow, settings, *(e for sid in residents
                            for e in (contact(sid, email=f"r{sid[-2:]}@example.org"), status("received", sid))))
    clock = Clock(CLOCK.now)
    _make_due(uow, clock.now)
    capped = Channel()
    assert dispatch.deliver_until_caught_up(uow, capped, settings, clock, max_rounds=2) == 4  # two full rounds
    channel = Channel()
    assert dispatch.deliver_until_caught_up(uow, channel, settings, clock) == 1  # the rest; a short round ends it
    assert sorted(s.address for s in capped.sent + channel.sent) == sorted(f"r{sid[-2:]}@example.org"
                                                                          for sid in residents)
    assert dispatch.deliver_until_caught_up(uow, Channel(), settings, clock) == 0


def test_the_backlog_operators_see_counts_what_is_due_and_its_wait(uow, settings):
    handle(uow, settings, contact(), status("received"), contact("26-0000301", email="b@example.org"),
           status("received", "26-0000301"))
    clock = Clock(CLOCK.now)
    _make_due(uow, clock.now)
    clock.advance(seconds=90)
    with uow() as unit:
        assert dispatch.backlog(unit.session, clock()) == {"deliveries_due": 2, "oldest_due_seconds": 90.0}
        unit.session.query(Delivery).filter(Delivery.service_request_id == "26-0000301").update(
            {"next_attempt_at": clock.now + timedelta(hours=1)})  # held for later: not due
        assert dispatch.backlog(unit.session, clock())["deliveries_due"] == 1
    dispatch.deliver_due(uow, Channel(), settings, clock)
    with uow() as unit:
        assert dispatch.backlog(unit.session, clock()) == {"deliveries_due": 0, "oldest_due_seconds": 0.0}
