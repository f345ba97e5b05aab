"""Business calendars and service-level deadlines.

A department works during its opening hours (local wall-clock time in the
jurisdiction's time zone) on its working weekdays, except on public holidays
and on city or department days off. Hours are counted as real elapsed time,
so a deadline is correct across daylight-saving changes.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterator
from zoneinfo import ZoneInfo

from services.routing.domain.departments import OpeningHours
from services.routing.domain.service_levels import ServiceLevel

UTC = dt.timezone.utc
_SEARCH_LIMIT_DAYS = 3660  # a calendar with no working day for ten years is broken


class BusinessCalendar:
    """When one department is open."""

    def __init__(self, timezone: ZoneInfo, hours: dict[int, OpeningHours],
                 public_holidays: Container[dt.date], days_off: Container[dt.date]):
        self.timezone, self.hours = timezone, hours
        self.public_holidays, self.days_off = public_holidays, days_off

    def is_business_day(self, day: dt.date) -> bool:
        """Open on that weekday and not a public holiday or day off."""
        return (day.weekday() in self.hours and day not in self.public_holidays
                and day not in self.days_off)

    def opening(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        """The (open, close) instants of `day` in UTC, or None when closed all day."""
        if not self.is_business_day(day):
            return None
        window = self.hours[day.weekday()]
        return self._instant(day, window.open), self._instant(day, window.close)

    def local_date(self, instant: dt.datetime) -> dt.date:
        """The calendar date of `instant` in the jurisdiction's time zone."""
        return instant.astimezone(self.timezone).date()

    def days_from(self, first: dt.date) -> Iterator[dt.date]:
        """Consecutive dates from `first`; raises ValueError rather than search forever."""
        for offset in range(_SEARCH_LIMIT_DAYS):
            yield first + dt.timedelta(days=offset)
        raise ValueError(f"no working time within {_SEARCH_LIMIT_DAYS} days of {first}")

    def _instant(self, day: dt.date, clock: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, clock, tzinfo=self.timezone).astimezone(UTC)


def business_deadline(start: dt.datetime, level: ServiceLevel,
                      calendar: BusinessCalendar) -> dt.datetime:
    """The UTC instant by which a request created at `start` must be handled.

    - calendar_hours N: exactly N elapsed hours after `start`; the calendar is ignored.
    - business_hours N: the instant at which N hours of opening time have passed
      since `start`. Time before opening, after closing, on closed weekdays,
      holidays and days off does not count. A deadline can fall exactly at
      closing time, never inside closed hours.
    - business_days N: the closing time of the Nth business day after the local
      calendar date of `start` (the day of creation never counts, whatever the
      hour). Created Friday or Saturday with N=1 -> due Monday at closing,
      if Monday is a business day.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    start = start.astimezone(UTC)
    if level.unit == "calendar_hours":
        return start + dt.timedelta(hours=level.amount)
    if level.unit == "business_hours":
        return _after_open_hours(start, dt.timedelta(hours=level.amount), calendar)
    return _close_of_nth_business_day(start, level.amount, calendar)


def _after_open_hours(start: dt.datetime, remaining: dt.timedelta,
                      calendar: BusinessCalendar) -> dt.datetime:
    for day in calendar.days_from(calendar.local_date(start)):
        window = calendar.opening(day)
        if window is None or window[1] <= start:
            continue
        begin = max(window[0], start)
        if remaining <= window[1] - begin:
            return begin + remaining
        remaining -= window[1] - begin
    raise AssertionError("unreachable: days_from raises when exhausted")


def _close_of_nth_business_day(start: dt.datetime, count: int,
                               calendar: BusinessCalendar) -> dt.datetime:
    first = calendar.local_date(start) + dt.timedelta(days=1)
    business_days = (day for day in calendar.days_from(first) if calendar.is_business_day(day))
    for seen, day in enumerate(business_days, start=1):
        if seen == count:
            return calendar.opening(day)[1]
    raise AssertionError("unreachable: days_from raises when exhausted")
