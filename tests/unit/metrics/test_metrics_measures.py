"""Measures over hand-made facts: percentiles, service levels, backlog, volumes, quality and equity."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from services.metrics import measures
from services.metrics.models import InformationFact, RequestFact

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
START = NOW - timedelta(days=10)


def fact(n, created_hours=0, closed_hours=None, due_hours=None, **fields):
    """A request created `created_hours` after START, closed/due that many hours after its creation."""
    created = START + timedelta(hours=created_hours)
    return RequestFact(
        service_request_id=f"26-{n:07d}", created_at=created, channel=fields.pop("channel", "phone"),
        service_code=fields.pop("service_code", "POTHOLE"), department=fields.pop("department", "PW-STREETS"),
        district=fields.pop("district", "CD-01"), is_open=closed_hours is None,
        closed_at=created + timedelta(hours=closed_hours) if closed_hours is not None else None,
        due_at=created + timedelta(hours=due_hours) if due_hours is not None else None,
        work_order_failed=False, **fields)


def test_percentiles_interpolate_between_closest_ranks():
    assert measures.median([4, 1, 3, 2]) == 2.5
    assert measures.percentile(range(1, 11), 0.9) == pytest.approx(9.1)
    assert measures.percentile([7], 0.9) == 7
    assert measures.median([]) is None


def test_time_to_close_median_and_p90_in_hours_over_closed_requests_only():
    facts = [fact(n, closed_hours=hours) for n, hours in enumerate([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 1)]
    facts += [fact(11), fact(12, closed_hours=1, duplicate_of="26-0000001")]  # open; duplicate
    to_close = measures.timings(facts)["to_close"]
    assert to_close == {"count": 10, "median_hours": 5.5, "p90_hours": 9.1}


def test_time_to_route_and_to_work_order_from_creation():
    one = fact(1, routed_at=START + timedelta(minutes=30), work_order_at=START + timedelta(hours=2))
    two = fact(2, routed_at=START + timedelta(minutes=90))
    result = measures.timings([one, two])
    assert result["to_route"] == {"count": 2, "median_hours": 1.0, "p90_hours": 1.4}
    assert result["to_work_order"]["count"] == 1 and result["to_work_order"]["median_hours"] == 2.0


def test_compliance_counts_closed_by_due_time_and_open_past_due_but_not_pending():
    facts = [fact(1, closed_hours=10, due_hours=24),     # on time
             fact(2, closed_hours=30, due_hours=24),     # late
             fact(3, due_hours=24),                      # open, overdue (created 10 days ago)
             fact(4, created_hours=239, due_hours=24),   # open, not due yet: pending
             fact(5, closed_hours=5)]                    # no service level
    result = measures.compliance(facts, NOW)
    assert result == {"on_time": 1, "late": 1, "overdue": 1, "pending": 1, "decided": 3, "compliance": 0.3333}


def test_service_levels_by_department():
    facts = [fact(1, closed_hours=1, due_hours=2, department="WATERSHED"),
             fact(2, closed_hours=3, due_hours=2, department="PW-STREETS")]
    by_department = measures.service_levels(facts, NOW)["by_department"]
    assert by_department["WATERSHED"]["compliance"] == 1.0
    assert by_department["PW-STREETS"]["compliance"] == 0.0


def test_overdue_list_is_most_overdue_first():
    facts = [fact(1, due_hours=48), fact(2, due_hours=24), fact(3, created_hours=239, due_hours=24)]
    result = measures.overdue(facts, NOW)
    assert result["count"] == 2
    assert [r["service_request_id"] for r in result["requests"]] == ["26-0000002", "26-0000001"]
    assert result["requests"][0]["overdue_hours"] == 10 * 24 - 24


def test_backlog_age_and_buckets():
    facts = [fact(1), fact(2, created_hours=230), fact(3, created_hours=238, due_hours=1)]
    result = measures.backlog(facts, NOW)
    assert result["open"] == 3 and result["oldest_hours"] == 240.0
    assert result["age_buckets"] == {"under 1 day": 2, "1-3 days": 0, "3-7 days": 0, "7-30 days": 1,
                                     "over 30 days": 0}
    assert result["by_department"]["PW-STREETS"]["overdue"] == 1


def test_volumes_split_service_and_information_by_channel_and_local_day():
    facts = [fact(1, channel="web"), fact(2, channel="phone", created_hours=2), fact(3, channel="phone")]
    contacts = [InformationFact(contact_id=f"i{n}", topic="t", channel="phone", logged_at=START)
                for n in range(5)] + [InformationFact(contact_id="i9", topic="t", channel="sms", logged_at=START)]
    result = measures.volumes(facts, contacts, ZoneInfo("America/New_York"))
    assert result["service_requests"] == 3 and result["information_contacts"] == 6
    assert result["information_share"] == round(6 / 9, 4)
    assert result["by_channel"] == {"phone": {"service": 2, "information": 5}, "sms": {"service": 0, "information": 1},
                                    "web": {"service": 1, "information": 0}}
    # 12:00 UTC is 07:00 in New York, the same day; all nine contacts fall on 13 November.
    assert result["by_day"] == [{"day": "2026-11-13", "service": 3, "information": 6}]


def test_volumes_under_a_district_filter_do_not_guess_the_information_share():
    result = measures.volumes([fact(1)], None, ZoneInfo("UTC"))
    assert result["information_contacts"] is None and result["information_share"] is None


def test_duplicate_rate_and_survey_results():
    facts = [fact(1, survey_satisfaction=5, survey_fixed=True), fact(2, survey_satisfaction=2, survey_fixed=False),
             fact(3, duplicate_of="26-0000001"), fact(4, survey_satisfaction=4, survey_fixed=True)]
    result = measures.quality(facts)
    assert result["duplicate_rate"] == 0.25
    assert result["surveys"] == {"responses": 3, "mean_satisfaction": 3.67, "satisfied_share": 0.6667,
                                 "not_fixed_rate": 0.3333}


def _district(code, count, on_time, close_hours):
    """`count` closed requests of a district, `on_time` of them by the due time (24 h)."""
    return [fact(int(code[-2:]) * 100 + n, closed_hours=close_hours if n < on_time else 30, due_hours=24,
                 district=code) for n in range(count)]


def test_equity_gap_between_best_and_worst_served_districts_with_enough_requests():
    facts = _district("CD-01", 10, 9, 5) + _district("CD-02", 12, 6, 20) + _district("CD-03", 3, 0, 40)
    result = measures.equity(facts, [], NOW, "district", areas={"CD-01": "One", "CD-02": "Two", "CD-03": "Three",
                                                                  "CD-04": "Four"})
    rows = {row["area"]: row for row in result["areas"]}
    assert rows["CD-01"]["compliance"] == 0.9 and rows["CD-01"]["rank"] == 1
    assert rows["CD-02"]["compliance"] == 0.5 and rows["CD-02"]["rank"] == 2
    assert rows["CD-03"]["small_count"] and rows["CD-03"]["rank"] is None
    assert rows["CD-04"]["requests"] == 0 and rows["CD-04"]["small_count"]  # nobody reported: still listed
    gap = result["gaps"]["compliance"]
    assert gap["best"] == {"area": "CD-01", "value": 0.9} and gap["worst"] == {"area": "CD-02", "value": 0.5}
    assert gap["difference"] == 0.4
    close = result["gaps"]["median_close_hours"]
    assert close["best"]["area"] == "CD-01" and close["worst"]["area"] == "CD-02"


def test_small_counts_are_flagged_not_ranked_and_give_no_gap():
    facts = _district("CD-01", 9, 9, 5) + _district("CD-02", 4, 0, 40)
    result = measures.equity(facts, [], NOW, "district")
    assert all(row["small_count"] and row["rank"] is None for row in result["areas"])
    assert result["gaps"]["compliance"]["best"] is None
    assert "at least 10" in result["gaps"]["compliance"]["note"]


def test_equity_by_neighbourhood_and_the_threshold_can_be_lowered():
    facts = [fact(n, closed_hours=1, due_hours=2, neighbourhood="NB-A") for n in range(3)]
    facts += [fact(10 + n, closed_hours=3, due_hours=2, neighbourhood="NB-B") for n in range(3)]
    result = measures.equity(facts, [], NOW, "neighbourhood", min_count=3)
    assert result["gaps"]["compliance"]["difference"] == 1.0
    assert [r["area"] for r in result["areas"] if r["rank"] == 1] == ["NB-A"]
