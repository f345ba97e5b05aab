"""Quiet hours, the rate limit and backoff, on a clock the test chooses (no sleeping)."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.notifications.policies import QuietHours, RateLimit, RetryPolicy, hold_until

NEW_YORK = ZoneInfo("America/New_York")
QUIET = QuietHours.parse("21:00-08:00", NEW_YORK)
NO_LIMIT = RateLimit(0, timedelta(hours=1))


def local(*args):
    return datetime(*args, tzinfo=NEW_YORK)


@pytest.mark.parametrize("moment, release", [
    (local(2026, 11, 24, 20, 59), None),                              # just before
    (local(2026, 11, 24, 21, 0), local(2026, 11, 25, 8, 0)),          # evening: next morning
    (local(2026, 11, 25, 3, 30), local(2026, 11, 25, 8, 0)),          # small hours: this morning
    (local(2026, 11, 25, 7, 59), local(2026, 11, 25, 8, 0)),
    (local(2026, 11, 25, 8, 0), None),                                # morning: free
    (local(2026, 11, 25, 12, 0), None),
])
def test_quiet_hours_wrap_past_midnight(moment, release):
    assert QUIET.release_time(moment.astimezone(timezone.utc)) == (release and release.astimezone(timezone.utc))


def test_quiet_hours_follow_daylight_saving_time():
    # 2026-03-08: clocks go forward at 2:00 in New York; 8:00 that morning is 12:00 UTC, not 13:00.
    night = local(2026, 3, 7, 23, 0).astimezone(timezone.utc)
    assert QUIET.release_time(night) == datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)


def test_a_daytime_window_and_no_window():
    lunch = QuietHours.parse("12:00-13:00", NEW_YORK)
    assert lunch.release_time(local(2026, 1, 5, 12, 30)) == local(2026, 1, 5, 13, 0)
    assert lunch.release_time(local(2026, 1, 5, 13, 30)) is None
    assert QuietHours.parse("00:00-00:00", NEW_YORK).release_time(local(2026, 1, 5, 3, 0)) is None


def test_bad_quiet_hours_are_refused_with_the_expected_form():
    with pytest.raises(ValueError, match="21:00-08:00"):
        QuietHours.parse("9pm to 8am", NEW_YORK)


def test_texts_wait_for_the_morning_unless_emergency_and_email_never_waits():
    night = local(2026, 11, 24, 23, 0).astimezone(timezone.utc)
    assert hold_until("sms", False, night, QUIET, NO_LIMIT, []) == (
        "quiet_hours", local(2026, 11, 25, 8, 0).astimezone(timezone.utc))
    assert hold_until("sms", True, night, QUIET, NO_LIMIT, []) is None
    assert hold_until("email", False, night, QUIET, NO_LIMIT, []) is None


def test_rate_limit_holds_the_excess_until_the_oldest_leaves_the_window():
    now = datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
    limit = RateLimit(3, timedelta(hours=1))
    sent = [now - timedelta(minutes=m) for m in (50, 20, 5)]
    assert limit.release_time(sent[1:], now) is None                       # two in the hour: one more may go
    assert limit.release_time(sent, now) == now + timedelta(minutes=10)    # the 50-minute-old one leaves
    assert limit.release_time(sent + [now - timedelta(hours=2)], now) == now + timedelta(minutes=10)
    assert hold_until("email", False, now, QUIET, limit, sent) == ("rate_limit", now + timedelta(minutes=10))


def test_no_limit_when_the_maximum_is_zero():
    now = datetime(2026, 11, 24, 17, 0, tzinfo=timezone.utc)
    assert NO_LIMIT.release_time([now] * 100, now) is None


def test_backoff_doubles_up_to_its_cap_and_attempts_run_out():
    retry = RetryPolicy(base_seconds=10, max_seconds=60, max_attempts=4)
    assert [retry.delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [10, 20, 40, 60, 60]
    assert not retry.exhausted(3) and retry.exhausted(4)
