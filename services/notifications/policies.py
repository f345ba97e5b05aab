"""When a message may go out: quiet hours for texts, a per-recipient rate limit, retry backoff.

Plain functions of the moment they are given (UTC-aware datetimes), so tests pass any clock.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class QuietHours:
    """Local hours during which no text is sent, e.g. 21:00-08:00 in the city's time zone."""
    start: time
    end: time
    zone: ZoneInfo

    @classmethod
    def parse(cls, spec, zone):
        """'21:00-08:00' (start-end, local time; equal start and end means no quiet hours)."""
        try:
            start, end = (time.fromisoformat(part.strip()) for part in str(spec).split("-"))
        except ValueError:
            raise ValueError(f"quiet hours must look like 21:00-08:00, not {spec!r}") from None
        return cls(start, end, zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone))

    def release_time(self, now):
        """None when `now` is outside quiet hours; otherwise when they end (UTC)."""
        local = now.astimezone(self.zone)
        moment = local.time().replace(tzinfo=None)
        if self.start == self.end:
            return None
        if self.start < self.end:
            quiet = self.start <= moment < self.end
        else:                      # wraps past midnight
            quiet = moment >= self.start or moment < self.end
        if not quiet:
            return None
        day = local.date() if moment < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=self.zone).astimezone(timezone.utc)


@dataclass(frozen=True)
class RateLimit:
    """At most `max_messages` to one recipient in any `window` (0 or less: no limit)."""
    max_messages: int
    window: timedelta

    def release_time(self, sent_times, now):
        """None when one more message may go now; otherwise the moment one may.

        `sent_times`: when earlier messages to this recipient went out.
        """
        if self.max_messages <= 0:
            return None
        recent = sorted(t for t in sent_times if t > now - self.window)
        if len(recent) < self.max_messages:
            return None
        return recent[len(recent) - self.max_messages] + self.window


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff between delivery attempts, bounded in delay and in count."""
    base_seconds: float
    max_seconds: float
    max_attempts: int

    def delay(self, attempts):
        """Wait after the `attempts`-th failed try: base, 2×base, 4×base ... capped."""
        return timedelta(seconds=min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1)))

    def exhausted(self, attempts):
        return attempts >= self.max_attempts


def hold_until(channel, emergency, now, quiet_hours, rate_limit, sent_times):
    """Why and until when a message must wait, as (reason, release time), or None to send now.

    Texts respect quiet hours unless the request is an emergency; every channel respects the
    per-recipient rate limit. Held messages wait; they are never dropped.
    """
    if channel == "sms" and not emergency:
        release = quiet_hours.release_time(now)
        if release is not None:
            return "quiet_hours", release
    release = rate_limit.release_time(sent_times, now)
    if release is not None:
        return "rate_limit", release
    return None
