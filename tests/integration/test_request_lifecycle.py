"""A request travels the whole way on the real broker: intake → routing → workorders → legacy → back."""
import pytest
import requests

from tests.support.bus import BusTap
from tests.support.service_tokens import staff_headers
from tests.support.waiting import wait_until

POTHOLE = {"api_key": "dev-web-key", "service_code": "POTHOLE", "lat": "33.7490", "long": "-84.3880",
           "attribute[SIZE]": "large", "description": "Deep pothole in the right lane",
           "email": "resident@example.org"}


_spot = iter(range(10_000))


def somewhere_new():
    """A location inside the sample city, far enough from every other test request not to be its duplicate."""
    n = next(_spot)
    return {"lat": f"{33.70 + 0.004 * (n % 25):.4f}", "long": f"{-84.46 + 0.004 * (n // 25 % 25):.4f}"}


def file_request(system, form=POTHOLE):
    """File a request at a fresh spot (unless the form names one); return its tracking id."""
    form = {**form, **somewhere_new()} if form is POTHOLE else form
    response = system.post("intake", "/open311/v2/requests.json", data=form)
    assert response.status_code == 200, response.text
    return response.json()[0]["service_request_id"]


def public_record(system, service_request_id):
    response = system.get("intake", f"/open311/v2/requests/{service_request_id}.json")
    assert response.status_code == 200, response.text
    return response.json()[0]


def legacy_orders(system, service_request_id, legacy="streets"):
    orders = system.get(legacy, "/admin/workorders").json()["workorders"]
    return [o for o in orders if o["external_reference"] == service_request_id]


def test_a_request_is_followed_to_closure(system):
    with BusTap(system.amqp_uri) as tap:
        sid = file_request(system)
        assert public_record(system, sid)["status"] == "open"

        wait_until(lambda: legacy_orders(system, sid), 30, what="the work order in the legacy system")
        closed = wait_until(lambda: (r := public_record(system, sid))["status"] == "closed" and r, 90,
                            what="the public status to reach closed")
        assert closed["agency_responsible"] == "Public Works – Streets"
        assert closed["status_notes"].startswith("Closed:")
        assert closed["expected_datetime"]

        sent = wait_until(lambda: [n for n in system.get(
            "notifications", f"/api/requests/{sid}/notifications").json()["notifications"]
            if n["template"] == "closed"], 30, what="the closure message for the reporter")
        assert sent[0]["channel"] == "email"
        caught = wait_until(lambda: [m for m in system.get("mailcatcher", "/api/messages").json()["messages"]
                                     if sid in str(m)], 30, what="the emails at the mail catch-all")
        assert all("resident@example.org" in str(m) for m in caught)
        fact = wait_until(lambda: (f := system.get("metrics", f"/api/requests/{sid}").json()).get("closed_at")
                          and f, 30, what="metrics to count the closure")
        assert fact["department"] == "PW-STREETS"

    assert len(legacy_orders(system, sid)) == 1
    for event_type in ("RequestCreated", "RequestRouted", "WorkOrderCreated", "WorkOrderClosed"):
        assert len({e["event_id"] for e in tap.of_type(event_type, sid)}) == 1, event_type


def test_a_resident_who_says_it_was_not_fixed_is_on_the_follow_up_list_until_staff_act(system):
    """Closure, the survey by email, "not fixed" on its page: routing lists the request for a call-taker."""
    sid = file_request(system, dict(POTHOLE, email="unfixed@example.org", **somewhere_new()))
    wait_until(lambda: public_record(system, sid)["status"] == "closed", 90, what="the request to close")
    survey = wait_until(lambda: [m for m in system.get("mailcatcher", "/api/messages").json()["messages"]
                                 if "unfixed@example.org" in m["to"] and "/survey/" in m["text"]], 60,
                        what="the survey email")
    link = next(word for word in survey[0]["text"].split() if "/survey/" in word)
    answered = requests.post(link, data={"fixed": "no", "satisfaction": "1", "comment": "The hole is back"},
                             timeout=10)
    assert answered.status_code == 200 and "a 311 call-taker will look at the request again" in answered.text

    def listed():
        return [f for f in system.get("routing", "/api/follow-ups", headers=staff_headers()).json()["follow_ups"]
                if f["service_request_id"] == sid]
    [waiting] = wait_until(listed, 30, what="the request on routing's follow-up list")
    assert (waiting["comment"], waiting["department"], waiting["open"]) == ("The hole is back", "PW-STREETS", False)

    done = system.post("routing", f"/api/requests/{sid}/followed-up", headers=staff_headers(staff="ana"),
                       json={"reason": "filed a follow-up request"})
    assert done.status_code == 200, done.text
    assert listed() == []
    assert system.get("routing", "/api/follow-ups").status_code == 401     # the comment is for staff only
    decision = system.get("routing", f"/api/requests/{sid}", headers=staff_headers()).json()
    assert (decision["followed_up_by"], decision["not_fixed_comment"]) == ("ana", "The hole is back")


def test_personal_data_stays_out_of_the_public_record_and_the_bus(system):
    with BusTap(system.amqp_uri) as tap:
        sid = file_request(system, dict(POTHOLE, first_name="Ana", phone="404-555-0134", **somewhere_new()))
        wait_until(lambda: tap.of_type("RequestRouted", sid), 30, what="routing")
    assert "resident@example.org" not in system.get("intake", f"/open311/v2/requests/{sid}.json").text
    for event in tap.events:
        if event["event_type"] != "ReporterContactRecorded":
            assert "resident@example.org" not in str(event) and "Ana" not in str(event)
