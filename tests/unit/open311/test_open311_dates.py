"""W3C datetimes: read liberally, always written with an explicit offset."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, strategies as st

from services.intake.open311.dates import format_w3c_datetime, parse_w3c_datetime
from services.intake.open311.errors import Open311Error

UTC = timezone.utc
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-01-01T10:00:00Z", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01T10:00:00z", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01t10:00:00Z", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01T10:00:00+00:00", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01T10:00:00-05:00", datetime(2026, 1, 1, 15, tzinfo=UTC)),
        ("2026-01-01T10:00:00+05:30", datetime(2026, 1, 1, 4, 30, tzinfo=UTC)),
        ("2026-01-01T10:00:00-0500", datetime(2026, 1, 1, 15, tzinfo=UTC)),
        ("2026-01-01T10:00:00-05", datetime(2026, 1, 1, 15, tzinfo=UTC)),
        # fractional seconds, any number of digits (beyond microseconds is cut)
        ("2026-01-01T10:00:00.5Z", datetime(2026, 1, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-01-01T10:00:00.123456789Z", datetime(2026, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2026-01-01T10:00:00,25Z", datetime(2026, 1, 1, 10, 0, 0, 250000, tzinfo=UTC)),
        # a space instead of T
        ("2026-01-01 10:00:00Z", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01 10:00:00 -05:00", datetime(2026, 1, 1, 15, tzinfo=UTC)),
        # a + that arrived as a space because the client did not %-encode it
        ("2026-01-01T10:00:00 05:00", datetime(2026, 1, 1, 5, tzinfo=UTC)),
        ("2026-01-01 10:00:00 0530", datetime(2026, 1, 1, 4, 30, tzinfo=UTC)),
        # lower W3C precisions
        ("2026-01-01T10:00Z", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01", datetime(2026, 1, 1, tzinfo=UTC)),
        ("2026-02", datetime(2026, 2, 1, tzinfo=UTC)),
        ("2026", datetime(2026, 1, 1, tzinfo=UTC)),
        ("  2026-01-01T10:00:00Z  ", datetime(2026, 1, 1, 10, tzinfo=UTC)),
    ],
)
def test_liberal_w3c_variants_become_aware_utc(text, expected):
    parsed = parse_w3c_datetime(text, "start_date")
    assert parsed == expected
    assert parsed.tzinfo == UTC


def test_without_an_offset_the_default_zone_applies():
    assert parse_w3c_datetime("2026-07-01T09:00:00", "start_date", NEW_YORK) == datetime(2026, 7, 1, 13, tzinfo=UTC)
    assert parse_w3c_datetime("2026-01-01", "start_date", NEW_YORK) == datetime(2026, 1, 1, 5, tzinfo=UTC)
    assert parse_w3c_datetime("2026-01-01T09:00:00", "start_date") == datetime(2026, 1, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["", "yesterday", "2026-13-01", "2026-02-30", "2026-01-01T24:30:00Z", "2026-01-01T10:61Z",
     "2026-01-01T10:00:00+24:00", "2026-01-01T10:00:00+05:60", "26-01-01", "2026/01/01",
     "2026-01-01T10", "1767261600", "2026-01-01T10:00:00ZZ", "２０２６-01-01",
     "9999-12-31T23:00:00-05:00", "0000-01-01"],
)
def test_anything_else_is_a_400_naming_the_parameter(text):
    with pytest.raises(Open311Error) as caught:
        parse_w3c_datetime(text, "end_date")
    assert caught.value.status == 400
    assert caught.value.description.startswith("end_date must be a W3C datetime")


@given(st.text(max_size=40))
def test_arbitrary_text_is_parsed_or_refused_with_a_400(text):
    try:
        parsed = parse_w3c_datetime(text, "start_date")
    except Open311Error as exc:
        assert exc.status == 400
    else:
        assert parsed.tzinfo == UTC


def test_formatting_always_carries_an_explicit_offset():
    moment = datetime(2026, 7, 1, 13, 0, 0, 987654, tzinfo=UTC)
    assert format_w3c_datetime(moment) == "2026-07-01T13:00:00+00:00"
    assert format_w3c_datetime(moment, NEW_YORK) == "2026-07-01T09:00:00-04:00"
    assert format_w3c_datetime(datetime(2026, 1, 1, 12, tzinfo=UTC), NEW_YORK) == "2026-01-01T07:00:00-05:00"


def test_naive_datetimes_are_taken_as_utc_and_strings_are_normalised():
    assert format_w3c_datetime(datetime(2026, 1, 1, 12)) == "2026-01-01T12:00:00+00:00"
    assert format_w3c_datetime("2026-01-01T12:00:00Z", NEW_YORK) == "2026-01-01T07:00:00-05:00"


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2999, 1, 1), timezones=st.just(UTC)))
def test_formatted_datetimes_parse_back_to_the_same_second(moment):
    moment = moment.replace(microsecond=0)
    offset_zone = timezone(timedelta(hours=-5))
    assert parse_w3c_datetime(format_w3c_datetime(moment, offset_zone), "x") == moment
