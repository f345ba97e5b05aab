"""Business calendar: properties that hold for every start, department and amount,
plus worked examples around DST changes, public holidays and city days off."""
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from services.routing.domain import ServiceLevel, business_deadline

UTC = dt.timezone.utc
ATLANTA = ZoneInfo("America/New_York")
GEORGIA_HOLIDAYS = holidays.country_holidays("US", subdiv="GA")
JURISDICTION_FILE = Path(__file__).resolve().parents[3] / "deploy/jurisdictions/sample/jurisdiction.yaml"
CITY_DAYS_OFF = {dt.date.fromisoformat(day)
                 for day in yaml.safe_load(JURISDICTION_FILE.read_text(encoding="utf-8"))["city_days_off"]}
DEPARTMENTS = ["PW-STREETS", "WATERSHED", "SOLID-WASTE", "PARKS-FORESTRY", "TRANSPORTATION",
               "CODE-ENFORCEMENT"]

any_start = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 12, 20),
                         timezones=st.just(UTC))
# Starts in the weeks around the spring-forward and fall-back changes.
dst_start = st.sampled_from([dt.datetime(2025, 3, 1), dt.datetime(2026, 3, 1),
                             dt.datetime(2025, 10, 25), dt.datetime(2026, 10, 24)]).flatmap(
    lambda first: st.datetimes(min_value=first, max_value=first + dt.timedelta(days=14),
                               timezones=st.just(UTC)))
starts = st.one_of(any_start, dst_start)
departments = st.sampled_from(DEPARTMENTS)
units = st.sampled_from(["business_hours", "business_days", "calendar_hours"])
amounts = st.integers(min_value=1, max_value=120)


def open_time_between(calendar, start, end):
    """Opening time inside [start, end], summed day by day (an independent oracle)."""
    total, day = dt.timedelta(0), calendar.local_date(start) - dt.timedelta(days=1)
    while day <= calendar.local_date(end):
        window = calendar.opening(day)
        if window:
            total += max(dt.timedelta(0), min(window[1], end) - max(window[0], start))
        day += dt.timedelta(days=1)
    return total


@settings(max_examples=300, deadline=None)
@given(start=starts, department=departments, unit=units, amount=amounts)
def test_deadline_is_after_creation_and_never_in_closed_hours(sample, start, department, unit, amount):
    calendar = sample.calendars[department]
    due = business_deadline(start, ServiceLevel(unit, amount), calendar)
    assert due.tzinfo is not None and due.utcoffset() == dt.timedelta(0)
    assert due > start
    if unit != "calendar_hours":
        window = calendar.opening(calendar.local_date(due))
        local_day = due.astimezone(ATLANTA).date()
        assert local_day not in GEORGIA_HOLIDAYS and local_day not in CITY_DAYS_OFF
        assert window is not None, f"due on a closed day: {due.astimezone(ATLANTA)}"
        assert window[0] < due <= window[1]


@settings(max_examples=200, deadline=None)
@given(start=starts, department=departments, amount=amounts)
def test_business_hours_count_exactly_n_hours_of_opening_time(sample, start, department, amount):
    calendar = sample.calendars[department]
    due = business_deadline(start, ServiceLevel("business_hours", amount), calendar)
    assert open_time_between(calendar, start, due) == dt.timedelta(hours=amount)


@settings(max_examples=200, deadline=None)
@given(start=starts, department=departments, amount=st.integers(min_value=1, max_value=40))
def test_business_days_end_at_closing_of_the_nth_business_day(sample, start, department, amount):
    calendar = sample.calendars[department]
    due = business_deadline(start, ServiceLevel("business_days", amount), calendar)
    first, last = calendar.local_date(start), calendar.local_date(due)
    days = [first + dt.timedelta(days=n) for n in range(1, (last - first).days + 1)]
    assert sum(calendar.is_business_day(day) for day in days) == amount
    assert due == calendar.opening(last)[1]


@settings(max_examples=200, deadline=None)
@given(start=starts, amount=amounts)
def test_calendar_hours_are_real_elapsed_hours(sample, start, amount):
    due = business_deadline(start, ServiceLevel("calendar_hours", amount), sample.calendars["WATERSHED"])
    assert due - start == dt.timedelta(hours=amount)


@settings(max_examples=200, deadline=None)
@given(start=starts, department=departments, unit=units,
       amounts=st.tuples(amounts, amounts).filter(lambda pair: pair[0] != pair[1]).map(sorted))
def test_deadline_grows_with_the_amount(sample, start, department, unit, amounts):
    calendar = sample.calendars[department]
    smaller, larger = (business_deadline(start, ServiceLevel(unit, n), calendar) for n in amounts)
    assert smaller < larger


def local(year, month, day, hour, minute=0):
    return dt.datetime(year, month, day, hour, minute, tzinfo=ATLANTA)


@pytest.mark.parametrize("department, start, level, expected", [
    # spring forward (Sun 8 March 2026): Friday 1 h in EST, Monday 2 h in EDT
    ("PW-STREETS", local(2026, 3, 6, 16), ("business_hours", 3), local(2026, 3, 9, 9)),
    # fall back (Sun 1 November 2026)
    ("PW-STREETS", local(2026, 10, 30, 16), ("business_hours", 3), local(2026, 11, 2, 9)),
    # 01:00 EST + 4 real hours on the night the clocks jump is 06:00 EDT
    ("WATERSHED", local(2026, 3, 8, 1), ("calendar_hours", 4), local(2026, 3, 8, 6)),
    # 01:30 EDT + 1 real hour on fall-back night is 01:30 EST (the second 01:30)
    ("WATERSHED", local(2026, 11, 1, 1, 30), ("calendar_hours", 1),
     local(2026, 11, 1, 1, 30).replace(fold=1)),
    # Thanksgiving Thursday and Georgia's state holiday on Friday
    ("PW-STREETS", local(2026, 11, 25, 16), ("business_hours", 2), local(2026, 11, 30, 8)),
    ("PW-STREETS", local(2026, 11, 25, 10), ("business_days", 1), local(2026, 11, 30, 17)),
    # Independence Day on a Saturday: observed Friday 3 July; Solid Waste works Saturdays
    ("PW-STREETS", local(2026, 7, 2, 16, 30), ("business_hours", 1), local(2026, 7, 6, 7, 30)),
    ("SOLID-WASTE", local(2026, 7, 2, 14, 30), ("business_hours", 1), local(2026, 7, 6, 6, 30)),
    # city day off 31 December 2026, then New Year's Day
    ("PW-STREETS", local(2026, 12, 30, 16), ("business_hours", 2), local(2027, 1, 4, 8)),
    # Forestry's own day off (Friday 9 October 2026), then Columbus Day (Monday 12)
    ("PARKS-FORESTRY", local(2026, 10, 8, 15), ("business_hours", 1), local(2026, 10, 13, 7, 30)),
    # Code Enforcement closes at noon on Fridays
    ("CODE-ENFORCEMENT", local(2026, 3, 12, 16), ("business_hours", 5), local(2026, 3, 13, 12)),
    ("CODE-ENFORCEMENT", local(2026, 3, 12, 16), ("business_hours", 6), local(2026, 3, 16, 9)),
    # business days: the day of creation never counts, even before opening
    ("PW-STREETS", local(2026, 3, 10, 5), ("business_days", 1), local(2026, 3, 11, 17)),
    ("PW-STREETS", local(2026, 3, 7, 12), ("business_days", 1), local(2026, 3, 9, 17)),
    # before opening: the count starts at opening; exactly at closing is allowed
    ("PW-STREETS", local(2026, 3, 10, 5), ("business_hours", 10), local(2026, 3, 10, 17)),
])
def test_worked_examples(sample, department, start, level, expected):
    due = business_deadline(start.astimezone(UTC), ServiceLevel(*level), sample.calendars[department])
    assert due == expected.astimezone(UTC)


def test_naive_start_is_refused(sample):
    with pytest.raises(ValueError, match="timezone-aware"):
        business_deadline(dt.datetime(2026, 3, 10, 12), ServiceLevel("business_hours", 1),
                          sample.calendars["PW-STREETS"])


@pytest.mark.parametrize("unit, amount", [("business_weeks", 1), ("business_days", 0)])
def test_bad_service_levels_are_refused(unit, amount):
    with pytest.raises(ValueError):
        ServiceLevel(unit, amount)
