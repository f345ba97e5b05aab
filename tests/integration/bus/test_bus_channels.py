"""Channels publish requests over the bus: filed once per message id, checked by the Open311 rules, always answered."""
import uuid

import pytest

from tests.integration.bus.pika_clients import ChannelClient
from tests.support.bus import get_one
from tests.support.waiting import wait_until

REQUEST, INFORMATION = "request.submit.v1", "information.log.v1"


def pothole(**changes):
    body = {"channel": "phone", "service_code": "POTHOLE", "lat": 33.790395, "long": -84.386956,
            "address_string": "408 Peachtree St NE", "attributes": {"SIZE": "large"},
            "description": f"channel test {uuid.uuid4().hex}", "phone": "404-555-0100", "call_taker": "ivr"}
    return {**body, **changes}


@pytest.fixture
def phone(system):
    client = ChannelClient(system.amqp_uri)
    yield client
    client.close()


def filed_with(system, description):
    """The public record's requests whose description is `description` (each test writes its own)."""
    found = system.get("intake", "/open311/v2/requests.json", params={"service_code": "POTHOLE"}).json()
    return [r["service_request_id"] for r in found if r.get("description") == description]


def test_a_repeated_message_files_one_request(system, phone):
    body = pothole()
    first = phone.publish(REQUEST, body, message_id="phone-call-1001", correlation_id="first")
    again = phone.publish(REQUEST, body, message_id="phone-call-1001", correlation_id="again")  # at once: a race
    answers = [phone.reply_to_message(first), phone.reply_to_message(again)]
    assert [a["status"] for a in answers] == ["accepted", "accepted"], answers
    assert answers[0]["service_request_id"] == answers[1]["service_request_id"]
    assert answers[0]["message_id"] == "phone-call-1001" and answers[0]["errors"] == []
    # both answers went out after their transactions committed: a second filing would be on the record now
    assert filed_with(system, body["description"]) == [answers[0]["service_request_id"]]
    later = phone.reply_to_message(phone.publish(REQUEST, body, message_id="phone-call-1001",
                                                 correlation_id="much-later"))
    assert later == answers[0]


def test_an_accepted_request_is_on_the_public_record_as_sent(system, phone):
    body = pothole(attributes={"SIZE": "small", "LANE": "bike_lane", "DEPTH_CM": 4})
    answer = phone.reply_to_message(phone.publish(REQUEST, body))
    sid = answer["service_request_id"]
    record = system.get("intake", f"/open311/v2/requests/{sid}.json", params={"extensions": "true"}).json()[0]
    assert record["service_code"] == "POTHOLE" and record["description"] == body["description"]
    assert record["address"] == "408 Peachtree St NE"
    assert "404-555-0100" not in str(record), "personal data on the public record"


def test_the_same_message_id_from_another_channel_is_another_message(system, phone):
    answers = [phone.reply_to_message(phone.publish(REQUEST, pothole(channel=channel), message_id="shared-id-7",
                                                    correlation_id=f"from-{channel}"))
               for channel in ("sms", "mobile")]
    assert answers[0]["service_request_id"] != answers[1]["service_request_id"]


def test_a_malformed_request_is_rejected_with_the_open311_reasons(system, phone):
    body = pothole(service_code="POTHOLE", lat=None, long=None, address_string=None,
                   attributes={"SIZE": "enormous"}, email="not-an-email")
    answer = phone.reply_to_message(phone.publish(REQUEST, body))
    assert answer["status"] == "rejected" and answer["service_request_id"] is None
    reasons = [e["description"] for e in answer["errors"]]
    assert any("location is required" in r for r in reasons), reasons
    assert any("SIZE" in r and "enormous" in r for r in reasons), reasons
    assert any("email" in r for r in reasons), reasons
    # exactly what the Open311 API says to the same request
    form = {"api_key": "dev-web-key", "service_code": "POTHOLE", "attribute[SIZE]": "enormous",
            "email": "not-an-email", "description": body["description"], "phone": body["phone"]}
    http = system.post("intake", "/open311/v2/requests.json", data=form)
    assert http.status_code == 400
    assert sorted(e["description"] for e in http.json()) == sorted(reasons)
    assert filed_with(system, body["description"]) == []


def test_an_unknown_service_is_rejected_as_open311_does(system, phone):
    answer = phone.reply_to_message(phone.publish(REQUEST, pothole(service_code="NO_SUCH_THING")))
    assert answer["status"] == "rejected"
    assert [e["code"] for e in answer["errors"]] == [404]
    assert "NO_SUCH_THING" in answer["errors"][0]["description"]


@pytest.mark.parametrize("changes, field", [
    ({"channel": "fax"}, "channel"),
    ({"lat": "north"}, "lat"),
    ({"attributes": {"SIZE": {"nested": True}}}, "attributes"),
    ({"surprise": 1}, "surprise"),
    ({"notify_by": "pigeon"}, "notify_by"),
])
def test_a_message_that_breaks_its_contract_is_rejected_naming_the_field(system, phone, changes, field):
    answer = phone.reply_to_message(phone.publish(REQUEST, pothole(**changes)))
    assert answer["status"] == "rejected"
    assert any(e["description"].startswith(f"{field}") for e in answer["errors"]), answer["errors"]


def test_notify_by_sms_needs_a_phone_number(system, phone):
    answer = phone.reply_to_message(phone.publish(REQUEST, pothole(phone=None, notify_by="sms")))
    assert answer["status"] == "rejected"
    assert answer["errors"] == [{"code": 400, "description": "notify_by sms needs a phone number"}]


def test_a_message_without_message_id_is_rejected_saying_why(system, phone):
    correlation = phone.publish(REQUEST, pothole(), message_id="", correlation_id="no-id")
    answer = phone.reply_to_message(correlation)
    assert answer["status"] == "rejected" and answer["message_id"] is None
    assert "message_id" in answer["errors"][0]["description"]


def test_a_body_that_is_not_an_object_is_rejected(system, phone):
    answer = phone.reply_to_message(phone.publish(REQUEST, b"[1, 2, 3]"))
    assert answer["errors"] == [{"code": 400, "description": "the message body must be a JSON object"}]


def test_an_information_contact_is_logged_once(system, phone):
    body = {"channel": "sms", "article_id": "kb-trash-day", "call_taker": "sms-bot"}
    first = phone.reply_to_message(phone.publish(INFORMATION, body, message_id="sms-77", correlation_id="a"))
    again = phone.reply_to_message(phone.publish(INFORMATION, body, message_id="sms-77", correlation_id="b"))
    assert first["status"] == "accepted" and first["contact_id"]
    assert again == first
    unknown = phone.reply_to_message(phone.publish(INFORMATION, dict(body, article_id="kb-nothing")))
    assert unknown["status"] == "rejected"
    assert unknown["errors"] == [{"code": 404, "description": "no knowledge article 'kb-nothing'"}]


def test_a_lost_reply_can_be_asked_for_again_over_http(system, phone):
    answer = phone.reply_to_message(phone.publish(REQUEST, pothole(), message_id="phone-call-2002"))
    assert system.get("intake", "/channels/phone/messages/phone-call-2002").json() == answer
    assert system.get("intake", "/channels/phone/messages/never-sent").status_code == 404


def dead_letter_of(system, message_id):
    """The dead letter in intake.dlq carrying `message_id` (taking the others off on the way: a test vhost)."""
    def find():
        message = get_one(system.amqp_uri, "intake.dlq", timeout=1)
        if message is None:
            return None
        headers = message.headers or {}
        if headers.get("x-city311-original-message-id") == message_id:
            return message
        return None
    return wait_until(find, 60, 0.1, f"a dead letter of {message_id}")


def test_a_message_with_nowhere_to_answer_is_dead_lettered_with_the_reason(system, phone):
    phone.publish(REQUEST, pothole(), message_id="no-reply-queue-1", reply=False)
    dead = dead_letter_of(system, "no-reply-queue-1")
    assert "no reply_to property" in dead.headers["x-city311-error"]
    assert dead.headers["x-city311-original-exchange"] == "channels.events"


def test_a_body_that_is_not_json_is_dead_lettered_with_the_reason(system, phone):
    phone.publish(REQUEST, b"{not json", message_id="garbled-1")
    dead = dead_letter_of(system, "garbled-1")
    assert "undecodable" in dead.headers["x-city311-error"]
    assert dead.headers["x-city311-original-reply-to"] == phone.reply_to  # so a replay can still answer
