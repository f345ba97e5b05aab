"""Every routing outcome, from an Open311 POST to the request's public record, through the running system.

Routed (department and due time), emergency (around the clock), duplicate (linked, closes with its parent,
un-marked by a call-taker), outside the city and unresolvable address (triage, with the reason visible),
routed by hand from triage, and re-routed (the old work order cancelled, the new one created).
"""
import uuid
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
import yaml

from tests.integration.test_request_lifecycle import legacy_orders, somewhere_new
from tests.support.bus import BusTap
from tests.support.service_tokens import staff_headers
from tests.support.waiting import wait_until

CITY_TIME = ZoneInfo("America/New_York")
SAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "jurisdictions" / "sample"
POTHOLE = {"service_code": "POTHOLE", "attribute[SIZE]": "small"}
WATER_LEAK = {"service_code": "WATER_LEAK", "attribute[LEAK_SIDE]": "unknown", "attribute[SEVERITY]": "steady"}
NORTH_OF_THE_CITY = {"lat": "34.2000", "long": "-84.3900"}


def file(system, form, where=None):
    """POST a request through Open311 with the sample web key; its tracking id."""
    body = {"api_key": "dev-web-key", **form, **(somewhere_new() if where is None else where)}
    response = system.post("intake", "/open311/v2/requests.json", data=body)
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


def record(system, sid):
    """The public record with extensions (duplicate flag, parent id, district)."""
    response = system.get("intake", f"/open311/v2/requests/{sid}.json", params={"extensions": "true"})
    assert response.status_code == 200, response.text
    return response.json()[0]


def record_when(system, sid, holds, what, timeout=30):
    """The public record once `holds(record)` is true (bounded wait)."""
    def probe():
        public = record(system, sid)
        return public if holds(public) else None
    return wait_until(probe, timeout, what=f"{sid}: {what}")


def timeline(public):
    """The descriptions of a public record's notes, oldest first."""
    return [note["description"] for note in public["notes"]]


def decision(system, sid):
    """What routing decided and why (routing's own API)."""
    response = system.get("routing", f"/api/requests/{sid}", headers=staff_headers())
    assert response.status_code == 200, response.text
    return response.json()


def triage_ids(system):
    return [t["service_request_id"] for t in system.get("routing", "/api/triage", headers=staff_headers()).json()["triage"]]


def staff_post(system, sid, action, staff, role="call_taker", **body):
    """A staff action on routing's API as the console sends it: who acts is in the service token."""
    return system.post("routing", f"/api/requests/{sid}/{action}", json=body,
                       headers=staff_headers("routing", staff, role))


def work_order(system, sid, legacy):
    return wait_until(lambda: legacy_orders(system, sid, legacy), 30, what=f"{sid}'s work order in {legacy}")[0]


def instant(text):
    return datetime.fromisoformat(text)


def close_of_third_business_day_of_streets(filed):
    """Counted here from the sample jurisdiction's files, by a loop of the test's own (not routing's calendar):
    the 17:00 local close of Public Works – Streets' third working day after the local date of filing, skipping
    weekends, Georgia's public holidays and the city's days off. Right whatever the day and hour of the run."""
    public_holidays = holidays.country_holidays("US", subdiv="GA")
    days_off = {date.fromisoformat(d) for d in yaml.safe_load((SAMPLE / "jurisdiction.yaml").read_text())
                ["city_days_off"]}
    [streets] = [d for d in yaml.safe_load((SAMPLE / "departments.yaml").read_text())["departments"]
                 if d["code"] == "PW-STREETS"]
    open_days = {("mon", "tue", "wed", "thu", "fri", "sat", "sun").index(d) for d in streets["business_hours"]["days"]}
    day, counted = filed.astimezone(CITY_TIME).date(), 0
    while counted < 3:
        day += timedelta(days=1)
        counted += day.weekday() in open_days and day not in public_holidays and day not in days_off
    return datetime.combine(day, time.fromisoformat(streets["business_hours"]["close"]), tzinfo=CITY_TIME)


def test_a_request_is_routed_to_its_department_with_a_due_time_on_the_business_calendar(system):
    with BusTap(system.amqp_uri) as tap:
        sid = file(system, POTHOLE)
        routed = record_when(system, sid, lambda r: r["expected_datetime"], "routed")
        event = wait_until(lambda: tap.of_type("RequestRouted", sid), 30, what="RequestRouted")[0]["data"]
        created = wait_until(lambda: tap.of_type("RequestCreated", sid), 30, what="RequestCreated")[0]["data"]

    assert routed["agency_responsible"] == "Public Works – Streets"
    assert "Routed to Public Works – Streets." in timeline(routed)
    assert routed["extended_attributes"]["district"] == event["district"] is not None
    assert instant(routed["expected_datetime"]) == instant(event["due_at"])
    assert instant(event["due_at"]) == close_of_third_business_day_of_streets(instant(created["requested_at"]))
    explained = decision(system, sid)
    assert (explained["rule_id"], explained["outcome"], explained["decided_by"]) == ("pothole", "routed", "routing")
    assert explained["explanation"].startswith("POTHOLE goes to Public Works – Streets by rule 'pothole'")
    assert work_order(system, sid, "streets")


def test_an_address_typed_loosely_is_found_in_the_gazetteer_and_routed(system):
    sid = file(system, POTHOLE, where={"address_string": "47 PEACHTREE STREET southeast"})
    routed = record_when(system, sid, lambda r: r["agency_responsible"], "routed")
    assert routed["extended_attributes"]["district"]
    assert decision(system, sid)["outcome"] == "routed"


@pytest.mark.parametrize("form, rule, hours", [
    ({"service_code": "WATER_MAIN_BREAK"}, "water-main-break", 2),
    ({"service_code": "WATER_LEAK", "attribute[LEAK_SIDE]": "city_side", "attribute[SEVERITY]": "flooding"},
     "water-leak-city-side", 2),
    ({"service_code": "SEWER_BACKUP", "attribute[INSIDE_BUILDING]": "yes"}, "sewer-backup", 3),
], ids=["emergency-service", "escalated-leak", "escalated-backup"])
def test_an_emergency_gets_emergency_priority_and_a_due_time_in_calendar_hours(system, form, rule, hours):
    with BusTap(system.amqp_uri) as tap:
        sid = file(system, form)
        routed = record_when(system, sid, lambda r: r["expected_datetime"], "routed")
        created = wait_until(lambda: tap.of_type("RequestCreated", sid), 30, what="RequestCreated")[0]["data"]
        event = wait_until(lambda: tap.of_type("RequestRouted", sid), 30, what="RequestRouted")[0]["data"]

    assert (event["priority"], event["rule_id"], event["department"]) == ("emergency", rule, "WATERSHED")
    # Around the clock: exactly N hours after creation, night, weekend or holiday alike.
    assert instant(event["due_at"]) == instant(created["requested_at"]) + timedelta(hours=hours)
    assert instant(routed["expected_datetime"]) == instant(event["due_at"]).replace(microsecond=0)
    assert routed["agency_responsible"] == "Watershed Management"


def test_a_second_report_nearby_is_a_duplicate_linked_to_its_parent_and_closes_with_it(system):
    spot = somewhere_new()
    with BusTap(system.amqp_uri) as tap:
        parent = file(system, POTHOLE, where=spot)
        record_when(system, parent, lambda r: r["agency_responsible"], "routed")
        reporter = f"second-reporter-{uuid.uuid4().hex[:8]}@example.org"
        child = file(system, dict(POTHOLE, email=reporter),
                     where={"lat": spot["lat"], "long": f"{float(spot['long']) + 0.0001:.4f}"})
        linked = record_when(system, child, lambda r: r["extended_attributes"]["duplicate"], "flagged as a duplicate")
        detected = wait_until(lambda: tap.of_type("RequestDuplicateDetected", child), 30, what="the event")[0]

    assert linked["extended_attributes"]["parent_request_id"] == parent
    assert detected["data"]["parent_request_id"] == parent and detected["data"]["distance_m"] <= 25
    assert linked["status_notes"] == f"Already reported as request {parent}; you will hear its news."
    assert decision(system, child)["rule_id"] == "duplicates.POTHOLE"
    assert record(system, parent)["extended_attributes"]["duplicate"] is False
    order = work_order(system, parent, "streets")
    assert legacy_orders(system, child, "streets") == [] and not tap.of_type("RequestRouted", child)

    system.post("streets", "/admin/advance", json={"legacy_id": order["legacy_id"], "status": "COMPLETE"}
                ).raise_for_status()
    record_when(system, parent, lambda r: r["status"] == "closed", "the parent closed")
    closed = record_when(system, child, lambda r: r["status"] == "closed", "the duplicate closed with its parent")
    assert closed["status_notes"].startswith(f"Closed with request {parent}:")
    wait_until(lambda: decision(system, child)["open"] is False, 30, what="routing to close the duplicate too")
    # The duplicate's reporter hears the parent's news.
    wait_until(lambda: [m for m in system.get("mailcatcher", "/api/messages").json()["messages"]
                        if reporter in m["to"] and m["subject"].endswith("is closed")], 60,
               what="the closure mail to the duplicate's reporter")
    # Closed, the parent no longer gathers duplicates: a new report there is a request of its own.
    again = file(system, POTHOLE, where=spot)
    record_when(system, again, lambda r: r["agency_responsible"], "routed on its own")


def a_request_and_its_duplicate(system):
    """Two pothole reports at one spot: the second is flagged as a duplicate of the first."""
    spot = somewhere_new()
    parent = file(system, POTHOLE, where=spot)
    record_when(system, parent, lambda r: r["agency_responsible"], "routed")
    child = file(system, POTHOLE, where=spot)
    record_when(system, child, lambda r: r["extended_attributes"]["duplicate"], "flagged as a duplicate")
    return parent, child


def test_a_call_taker_unmarks_a_false_duplicate_and_it_is_routed_on_its_own(system):
    parent, child = a_request_and_its_duplicate(system)

    answer = staff_post(system, child, "not-duplicate", staff="calltaker7", reason="other side of the median")
    assert answer.status_code == 200, answer.text
    routed = record_when(system, child, lambda r: r["expected_datetime"], "routed after all")
    assert routed["agency_responsible"] == "Public Works – Streets"
    explained = decision(system, child)
    assert (explained["outcome"], explained["parent_request_id"], explained["decided_by"]) == (
        "routed", None, "calltaker7")
    assert "other side of the median" in explained["explanation"]
    assert work_order(system, child, "streets")["legacy_id"] != work_order(system, parent, "streets")["legacy_id"]
    again = staff_post(system, child, "not-duplicate", staff="calltaker7", reason="twice")
    assert again.status_code == 409 and "not marked as a duplicate" in again.json()["error"]


def test_an_unmarked_duplicate_loses_its_duplicate_flag_in_the_public_record(system):
    _, child = a_request_and_its_duplicate(system)
    assert staff_post(system, child, "not-duplicate", staff="calltaker7", reason="not the same").status_code == 200
    routed = record_when(system, child, lambda r: r["expected_datetime"], "routed after all")
    assert routed["extended_attributes"]["duplicate"] is False
    assert routed["extended_attributes"]["parent_request_id"] is None


def test_outside_the_city_waits_in_triage_with_the_reason_then_staff_route_it_by_hand(system):
    with BusTap(system.amqp_uri) as tap:
        sid = file(system, WATER_LEAK, where=NORTH_OF_THE_CITY)
        waiting = record_when(system, sid, lambda r: "outside the city" in (r["status_notes"] or ""), "triage")
        assert waiting["status_notes"] == (
            "Waiting for a 311 agent: location 34.200000, -84.390000 is outside the city limits")
        assert waiting["expected_datetime"] is None
        assert tap.of_type("RequestNeedsTriage", sid)[0]["data"]["reason_code"] == "OUTSIDE_CITY"
        assert sid in triage_ids(system)

        answer = staff_post(system, sid, "route", department="WATERSHED", staff="supervisor1", role="supervisor",
                            reason="the utility serves this street beyond the limits")
        assert answer.status_code == 200, answer.text
        routed = record_when(system, sid, lambda r: r["expected_datetime"], "routed by hand")
        event = wait_until(lambda: tap.of_type("RequestRouted", sid), 30, what="RequestRouted")[0]["data"]

    assert routed["agency_responsible"] == "Watershed Management"
    assert "Routed to Watershed Management (by hand)." in timeline(routed)
    assert (event["manual"], event["routed_by"]) == (True, "supervisor1")
    assert "beyond the limits" in event["explanation"]
    assert sid not in triage_ids(system)
    assert work_order(system, sid, "watershed")


def test_an_address_that_cannot_be_resolved_goes_to_triage_not_to_a_guess(system):
    address = f"{uuid.uuid4().int % 90000 + 10000} Nowhere Lane"
    sid = file(system, POTHOLE, where={"address_string": address})
    waiting = record_when(system, sid, lambda r: "Waiting for a 311 agent" in (r["status_notes"] or ""), "triage")
    assert waiting["status_notes"] == f"Waiting for a 311 agent: address '{address}' is unknown or ambiguous"
    assert waiting["expected_datetime"] is None
    assert decision(system, sid)["triage_reason_code"] == "ADDRESS_UNRESOLVED"
    assert sid in triage_ids(system)


def test_a_reroute_cancels_the_old_work_order_and_creates_the_new_one(system):
    with BusTap(system.amqp_uri) as tap:
        sid = file(system, WATER_LEAK)
        first = record_when(system, sid, lambda r: r["expected_datetime"], "routed to Watershed")
        old = work_order(system, sid, "watershed")

        answer = staff_post(system, sid, "route", department="CODE-ENFORCEMENT", staff="supervisor1", role="supervisor",
                            reason="the leak is on the private side of the meter")
        assert answer.status_code == 200, answer.text
        rerouted = record_when(system, sid, lambda r: r["agency_responsible"] == "Code Enforcement", "re-routed")
        new = work_order(system, sid, "codeenforcement")
        cancelled = wait_until(lambda: [o for o in legacy_orders(system, sid, "watershed")
                                        if o["status"] == "VOIDED"], 30, what="the old work order cancelled")
        routings = tap.of_type("RequestRouted", sid)

    assert first["agency_responsible"] == "Watershed Management"
    assert [o["legacy_id"] for o in cancelled] == [old["legacy_id"]]
    assert len(legacy_orders(system, sid, "codeenforcement")) == 1 and new["legacy_id"]
    assert [(r["data"]["department"], r["data"]["routed_by"]) for r in routings] == [
        ("WATERSHED", "routing"), ("CODE-ENFORCEMENT", "supervisor1")]
    assert rerouted["expected_datetime"] != first["expected_datetime"]
