"""GET requests parameters: ids, filters, the 90-day window, paging and the area filter."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from werkzeug.datastructures import MultiDict

from open311_samples import NOW
from services.intake.open311.errors import Open311Error
from services.intake.open311.queries import Area, parse_request_query
from services.intake.open311.time_windows import TimeWindow

UTC = timezone.utc
DAYS_90 = timedelta(days=90)


def query(*pairs, **kwargs):
    return parse_request_query(MultiDict(pairs), NOW, **kwargs)


def refusal(*pairs):
    with pytest.raises(Open311Error) as caught:
        query(*pairs)
    return caught.value.status, [e.description for e in caught.value.errors]


def test_defaults_are_the_last_90_days_and_the_spec_limit_of_1000():
    q = query()
    assert q.requested == TimeWindow(NOW - DAYS_90, NOW)
    assert q.updated is None
    assert (q.page, q.page_size, q.offset) == (1, 1000, 0)
    assert (q.service_request_ids, q.service_codes, q.statuses, q.area, q.extensions) == ((), (), (), None, False)


def test_service_request_ids_come_comma_separated_and_override_everything_else():
    q = query(("service_request_id", "a,b, c,,a"), ("status", "bogus"), ("start_date", "garbage"),
              ("extensions", "true"))
    assert q.service_request_ids == ("a", "b", "c")
    assert (q.requested, q.statuses, q.page_size, q.extensions) == (None, (), 3, True)


def test_service_codes_and_statuses_come_comma_separated_or_repeated():
    q = query(("service_code", "POTHOLE,001"), ("service_code", "GRAFFITI"), ("status", "Open,closed"))
    assert q.service_codes == ("POTHOLE", "001", "GRAFFITI")
    assert q.statuses == ("open", "closed")


def test_an_unknown_status_is_a_400():
    assert refusal(("status", "open,pending")) == (400, ["status must be open and/or closed, got 'pending'"])


def test_start_date_alone_runs_up_to_now():
    q = query(("start_date", "2026-01-01T00:00:00Z"))
    assert q.requested == TimeWindow(datetime(2026, 1, 1, tzinfo=UTC), NOW)
    assert query(("start_date", "2025-12-15T12:00:00Z")).requested.after == NOW - DAYS_90


def test_start_date_alone_more_than_90_days_ago_is_refused_saying_what_to_send():
    assert refusal(("start_date", "2025-06-01T00:00:00Z")) == (400, [
        "start_date without end_date runs to now, more than the 90 days allowed: send an end_date at most 90 days "
        "after start_date, or use updated_after for everything changed since then, page by page (page, page_size)"])


def test_a_start_in_the_future_is_an_empty_window_ending_where_it_starts():
    later = NOW + timedelta(days=2)
    assert query(("start_date", "2026-03-17T12:00:00Z")).requested == TimeWindow(later, later)
    assert query(("updated_after", "2026-03-17T12:00:00Z")).updated == TimeWindow(later, later)


def test_end_date_alone_runs_90_days_back():
    q = query(("end_date", "2025-06-01T00:00:00-04:00"))
    end = datetime(2025, 6, 1, 4, tzinfo=UTC)
    assert q.requested == TimeWindow(end - DAYS_90, end)


def test_exactly_90_days_is_allowed_and_more_is_refused():
    q = query(("start_date", "2026-01-01T00:00:00Z"), ("end_date", "2026-04-01T00:00:00Z"))
    assert q.requested.before - q.requested.after == DAYS_90
    assert refusal(("start_date", "2026-01-01T00:00:00Z"), ("end_date", "2026-04-01T00:00:01Z")) == (
        400, ["start_date to end_date spans 90 days; at most 90 are allowed"])
    assert refusal(("start_date", "2025-01-01"), ("end_date", "2026-01-01")) == (
        400, ["start_date to end_date spans 365 days; at most 90 are allowed"])


def test_a_reversed_window_is_refused():
    assert refusal(("start_date", "2026-02-01"), ("end_date", "2026-01-01")) == (
        400, ["end_date must not be earlier than start_date"])


def test_dates_are_read_liberally_and_in_the_jurisdiction_zone_without_offset():
    q = query(("start_date", "2026-01-01 10:00:00 05:00"), ("end_date", "2026-01-02"),
              default_tz=ZoneInfo("America/New_York"))
    assert q.requested == TimeWindow(datetime(2026, 1, 1, 5, tzinfo=UTC), datetime(2026, 1, 2, 5, tzinfo=UTC))


def test_updated_bounds_alone_replace_the_requested_window():
    q = query(("updated_after", "2026-03-01T00:00:00Z"))
    assert q.requested is None
    assert q.updated == TimeWindow(datetime(2026, 3, 1, tzinfo=UTC), NOW)


def test_updated_after_alone_runs_up_to_now_however_long_ago_it_is():
    assert query(("updated_after", "2000-01-01T00:00:00Z")).updated == TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), NOW)
    long_ago = query(("updated_after", "2000-01-01"), ("updated_before", "2026-01-01")).updated
    assert long_ago == TimeWindow(datetime(2000, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))


def test_updated_and_requested_windows_can_be_combined():
    q = query(("start_date", "2026-01-01"), ("updated_before", "2026-03-01"))
    assert q.requested.after == datetime(2026, 1, 1, tzinfo=UTC)
    assert q.updated == TimeWindow(datetime(2026, 3, 1, tzinfo=UTC) - DAYS_90, datetime(2026, 3, 1, tzinfo=UTC))


def test_every_bad_parameter_is_reported():
    status, problems = refusal(("start_date", "soon"), ("end_date", "later"), ("page", "0"), ("status", "x"))
    assert status == 400
    assert problems == [
        "status must be open and/or closed, got 'x'",
        "start_date must be a W3C datetime such as 2026-01-01T00:00:00Z or 2026-01-01T00:00:00-05:00, got 'soon'",
        "end_date must be a W3C datetime such as 2026-01-01T00:00:00Z or 2026-01-01T00:00:00-05:00, got 'later'",
        "page must be a whole number from 1 to 1,000,000, got '0'",
    ]


def test_windows_at_the_end_of_time_do_not_overflow():
    q = query(("start_date", "9999-12-01T00:00:00Z"))
    assert q.requested.before.year == 9999


@pytest.mark.parametrize("page, page_size, offset", [("1", "1", 0), ("3", "50", 100), ("1000000", "1000", 999_999_000)])
def test_page_and_page_size_within_bounds(page, page_size, offset):
    q = query(("page", page), ("page_size", page_size))
    assert (q.page, q.page_size, q.offset) == (int(page), int(page_size), offset)


@pytest.mark.parametrize(
    "name, value, limit",
    [("page", "0", "1,000,000"), ("page", "-1", "1,000,000"), ("page", "1.5", "1,000,000"),
     ("page", "1000001", "1,000,000"), ("page", "9" * 5000, "1,000,000"), ("page", "two", "1,000,000"),
     ("page_size", "0", "1,000"), ("page_size", "1001", "1,000"), ("page_size", "１０", "1,000")],
)
def test_page_and_page_size_out_of_bounds_are_refused(name, value, limit):
    status, problems = refusal((name, value))
    assert status == 400
    assert problems[0].startswith(f"{name} must be a whole number from 1 to {limit}, got ")


def test_area_filter_needs_lat_and_long_and_bounds_the_radius():
    assert query(("lat", "33.75"), ("long", "-84.39")).area == Area(33.75, -84.39, 1000)
    assert query(("lat", "33.75"), ("long", "-84.39"), ("radius", "250")).area == Area(33.75, -84.39, 250)
    assert refusal(("radius", "250")) == (400, ["radius needs lat and long"])
    assert refusal(("lat", "33.75"), ("long", "-84.39"), ("radius", "20001")) == (
        400, ["radius must be a whole number from 1 to 20,000, got '20001'"])
    assert refusal(("lat", "95"), ("long", "-84.39")) == (
        400, ["lat must be a number of degrees between -90 and 90 (WGS84), got '95'"])


@pytest.mark.parametrize("value, expected", [("true", True), ("TRUE", True), ("1", True), ("false", False), ("", False)])
def test_extensions_flag(value, expected):
    assert query(("extensions", value)).extensions is expected


def test_a_bad_extensions_flag_is_refused():
    assert refusal(("extensions", "please")) == (400, ["extensions must be true or false, got 'please'"])


def test_too_many_ids_are_refused():
    ids = ",".join(str(n) for n in range(1001))
    assert refusal(("service_request_id", ids)) == (400, ["service_request_id lists 1,001 values; at most 1,000"])
