"""The time windows of GET requests: when requests were made, and when they were last updated.

With neither end given a window is the 90 days before now; with only its end,
the 90 days before that; with only its start, it runs up to now, so "what
changed since X" answers everything since X, never a silently empty list.
The requested window (start_date/end_date) may not span more than 90 days, as
the spec says: a start_date alone more than 90 days ago is a 400 saying what to
send. The updated window (updated_after/updated_before, our extension for
clients that keep a copy in step) may span any length: answers are paged.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from services.intake.open311.dates import parse_w3c_datetime
from services.intake.open311.errors import ErrorCollector, Open311Error
from services.intake.open311.params import single_value

MAX_SPAN = timedelta(days=90)


@dataclass(frozen=True)
class TimeWindow:
    """An inclusive range of instants (aware, UTC)."""

    after: datetime
    before: datetime


def requested_window(params, now, default_tz):
    """The start_date/end_date window; None when only an updated_* bound narrows the query.

    Raises Open311Error 400 for bad dates, a reversed window or one over 90 days.
    """
    if _given(params, "start_date", "end_date") or not _given(params, "updated_after", "updated_before"):
        return _window(params, "start_date", "end_date", now, default_tz, MAX_SPAN)
    return None


def updated_window(params, now, default_tz):
    """The updated_after/updated_before window (any span), or None when neither is given."""
    if _given(params, "updated_after", "updated_before"):
        return _window(params, "updated_after", "updated_before", now, default_tz, None)
    return None


def _given(params, *names):
    return any(single_value(params, name) is not None for name in names)


def _window(params, after_name, before_name, now, default_tz, max_span):
    problems = ErrorCollector()
    after = problems.check(_date, params, after_name, default_tz)
    before = problems.check(_date, params, before_name, default_tz)
    problems.raise_if_any()
    if after is None:
        before = before or now
        after = _shifted(before, -MAX_SPAN)
    elif before is None:
        before = max(after, now)                  # a start in the future: nothing yet, an empty list
        if max_span is not None and before - after > max_span:
            raise Open311Error.bad_request(
                f"{after_name} without {before_name} runs to now, more than the {max_span.days} days allowed: "
                f"send an {before_name} at most {max_span.days} days after {after_name}, or use updated_after "
                f"for everything changed since then, page by page (page, page_size)")
    if before < after:
        raise Open311Error.bad_request(f"{before_name} must not be earlier than {after_name}")
    if max_span is not None and before - after > max_span:
        raise Open311Error.bad_request(
            f"{after_name} to {before_name} spans {(before - after).days} days; at most {max_span.days} are allowed"
        )
    return TimeWindow(after, before)


def _date(params, name, default_tz):
    value = single_value(params, name)
    return value and parse_w3c_datetime(value, name, default_tz)


def _shifted(moment, delta):
    try:
        return moment + delta
    except OverflowError:
        limit = datetime.max if delta > timedelta(0) else datetime.min
        return limit.replace(tzinfo=timezone.utc)
