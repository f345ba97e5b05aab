"""The development mail catch-all and SMS gateway themselves, as real processes."""
import smtplib
from email.message import EmailMessage

import pytest
import requests

from tests.integration.notifications.harness import SMS_KEY, DevServers


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    running = DevServers(tmp_path_factory.mktemp("devservers"), "http://127.0.0.1:9/unreachable")
    try:
        yield running.start()
    finally:
        running.stop()


def mail(to="someone@example.org"):
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "Caught ñ", "city@example.org", to
    message.set_content("plain words")
    message.add_alternative("<p>html <b>words</b></p>", subtype="html")
    return message


def test_mail_is_caught_listed_shown_and_cleared(servers):
    with smtplib.SMTP("127.0.0.1", servers.smtp_port, timeout=10) as smtp:
        smtp.send_message(mail())
    [caught] = servers.mails("someone@example.org")
    assert (caught["subject"], caught["text"].strip()) == ("Caught ñ", "plain words")
    assert "<b>words</b>" in caught["html"]
    page = requests.get(servers.mail_url("/"), timeout=5)
    assert page.status_code == 200 and "Caught ñ" in page.text
    shown = requests.get(servers.mail_url(f"/api/messages/{caught['id']}/html"), timeout=5)
    assert shown.headers["Content-Security-Policy"] == "sandbox" and "<b>words</b>" in shown.text
    assert requests.delete(servers.mail_url("/api/messages"), timeout=5).json()["deleted"] >= 1
    assert servers.mails() == []


def test_mail_faults_refuse_for_good_or_for_now(servers):
    servers.mail_faults(reject=["Gone@Example.org"], defer=1)
    with pytest.raises(smtplib.SMTPDataError) as deferred, smtplib.SMTP("127.0.0.1", servers.smtp_port) as smtp:
        smtp.send_message(mail())
    assert deferred.value.smtp_code == 451
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused, smtplib.SMTP("127.0.0.1", servers.smtp_port) as smtp:
        smtp.send_message(mail("gone@example.org"))
    assert refused.value.recipients["gone@example.org"][0] == 550
    bad = requests.post(servers.mail_url("/api/faults"), json={"explode": True}, timeout=5)
    assert bad.status_code == 400 and "explode" in bad.json()["message"]
    servers.mail_faults(clear=True)
    assert requests.get(servers.mail_url("/api/faults"), timeout=5).json() == {"reject": [], "defer": 0}


def test_the_gateway_sends_once_per_reference_and_refuses_what_it_should(servers):
    send = lambda body, key=SMS_KEY: requests.post(servers.sms_url("/api/send"), json=body, timeout=5,
                                                   headers={"X-API-Key": key})
    first = send({"to": "+14045550301", "body": "hello", "reference": "ref-1"})
    again = send({"to": "+14045550301", "body": "hello", "reference": "ref-1"})
    assert first.status_code == 200 and again.json() == {**first.json(), "duplicate": True}
    assert len(servers.texts("+14045550301")) == 1
    assert send({"to": "+14045550301", "body": "x"}, key="wrong").status_code == 401
    assert send({"to": "404-555", "body": "x"}).json()["error"] == "invalid_number"
    assert send({"to": "+14045550301", "body": "x" * 1601}).json()["error"] == "body_too_long"
    assert send({"to": "+14045550301"}).json()["error"] == "invalid_request"
    servers.sms_faults(fail_next=1, reject_numbers=["+14045550302"])
    assert send({"to": "+14045550301", "body": "x"}).status_code == 503
    assert send({"to": "+14045550302", "body": "x"}).json()["error"] == "invalid_number"
    assert send({"to": "+14045550301", "body": "x"}).status_code == 200


def test_inbound_texts_are_forwarded_to_the_webhook_and_say_when_it_is_down(servers):
    answer = requests.post(servers.sms_url("/api/inbound"), json={"from": "+14045550301", "body": "STOP"}, timeout=15)
    assert answer.status_code == 502 and answer.json()["delivered"] is False
    assert requests.post(servers.sms_url("/api/inbound"), json={"body": "STOP"}, timeout=5).status_code == 400
    assert requests.get(servers.sms_url("/health"), timeout=5).json() == {"status": "ok"}
