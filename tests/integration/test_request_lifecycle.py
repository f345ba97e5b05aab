"""A request travels the whole way on the real broker: intake → routing → workorders → legacy → back."""
import pytest

from tests.support.bus import BusTap
from tests.support.waiting import wait_until

POTHOLE = {"api_key": "dev-web-key", "service_code": "POTHOLE", "lat": "33.7490", "long": "-84.3880",
           "attribute[SIZE]": "large", "description": "Deep pothole in the right lane",
           "email": "resident@example.org"}


def file_request(system, form=POTHOLE):
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
        fact = wait_until(lambda: (f := system.get("metrics", f"/api/requests/{sid}").json()).get("closed_at")
                          and f, 30, what="metrics to count the closure")
        assert fact["department"] == "PW-STREETS"

    assert len(legacy_orders(system, sid)) == 1
    for event_type in ("RequestCreated", "RequestRouted", "WorkOrderCreated", "WorkOrderClosed"):
        assert len({e["event_id"] for e in tap.of_type(event_type, sid)}) == 1, event_type


def test_personal_data_stays_out_of_the_public_record_and_the_bus(system):
    with BusTap(system.amqp_uri) as tap:
        sid = file_request(system, dict(POTHOLE, first_name="Ana", phone="404-555-0134"))
        wait_until(lambda: tap.of_type("RequestRouted", sid), 30, what="routing")
    assert "resident@example.org" not in system.get("intake", f"/open311/v2/requests/{sid}.json").text
    for event in tap.events:
        if event["event_type"] != "ReporterContactRecorded":
            assert "resident@example.org" not in str(event) and "Ana" not in str(event)
