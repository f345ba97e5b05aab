"""Notifications as a real process against the real mail catch-all and SMS gateway: each rule end to end."""
import uuid

import requests

from tests.support.waiting import wait_until


def new_id():
    return f"26-{uuid.uuid4().int % 10_000_000:07d}"


def sent_events(tap, event_type, sid):
    return [e for e in tap.of_type(event_type, sid)]


def test_a_reporter_gets_email_in_their_language_with_text_html_and_unsubscribe(stack):
    service, servers, tap = stack
    sid = new_id()
    service.contact(sid, email="ana@example.org", language="es")
    service.status(sid, "received")
    [mail] = servers.wait_mails("ana@example.org")
    assert mail["subject"] == f"Recibimos su solicitud {sid}"
    assert f"http://track.test/track/{sid}" in mail["text"] and f"http://track.test/track/{sid}" in mail["html"]
    unsubscribe = mail["headers"]["List-Unsubscribe"].strip("<>")
    assert unsubscribe.startswith(service.url("/unsubscribe/")) and unsubscribe in mail["text"]
    assert mail["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [sent] = wait_until(lambda: sent_events(tap, "NotificationSent", sid), 30, what="NotificationSent")
    assert sent["data"]["channel"] == "email" and sent["data"]["template"] == "received"
    assert "ana@example.org" not in str(sent)


def test_a_redelivered_event_sends_one_mail(stack):
    service, servers, _ = stack
    sid = new_id()
    service.contact(sid, email="twice@example.org")
    routed = service.status(sid, "routed", expected_at="2026-11-25T17:00:00+00:00")
    service.republish(routed)
    service.republish(routed)
    service.status(sid, "in_progress")                    # behind the redeliveries in the same queue
    mails = servers.wait_mails("twice@example.org", 2)
    assert sorted(m["subject"] for m in mails) == [f"Request {sid} is with Public Works – Streets",
                                                   f"Work has started on request {sid}"]
    assert "November 25, 2026" in next(m["text"] for m in mails if "with" in m["subject"])
    wait_until(lambda: all(n["status"] == "sent" for n in service.notifications(sid)), 20, what="all sent")
    assert len(servers.mails("twice@example.org")) == 2


def test_texts_go_through_the_gateway_to_the_number_in_e164(stack):
    service, servers, tap = stack
    sid = new_id()
    service.contact(sid, notify_by="sms", phone="404-555-0101")
    service.status(sid, "closed", status_notes="Closed: pothole filled")
    [text] = servers.wait_texts("+14045550101")
    assert sid in text["body"] and "pothole filled" in text["body"] and "STOP" in text["body"]
    sent = wait_until(lambda: sent_events(tap, "NotificationSent", sid), 30, what="NotificationSent")
    assert sent[0]["data"]["channel"] == "sms" and "4045550101" not in str(sent)


def test_mail_server_down_then_up_delivers_exactly_once(stack):
    service, servers, _ = stack
    sid = new_id()
    servers.mail.stop()
    try:
        service.contact(sid, email="patient@example.org")
        service.status(sid, "received")
        [waiting] = service.wait_notifications(sid, lambda ns: [n for n in ns if n["attempts"] >= 2],
                                               what="failed attempts while the mail server is down")
        assert waiting["status"] == "pending" and "unreachable" in waiting["last_error"]
    finally:
        servers.mail.start()
    [mail] = servers.wait_mails("patient@example.org")
    assert mail["subject"] == f"We received your request {sid}"
    wait_until(lambda: service.notifications(sid)[0]["status"] == "sent", 20, what="marked sent")
    assert len(servers.mails("patient@example.org")) == 1


def test_gateway_transient_failures_are_retried_and_deliver_once(stack):
    service, servers, tap = stack
    sid = new_id()
    servers.sms_faults(fail_next=3)
    service.contact(sid, notify_by="sms", phone="+14045550102")
    service.status(sid, "received")
    [text] = servers.wait_texts("+14045550102")
    [note] = service.wait_notifications(sid, lambda ns: [n for n in ns if n["status"] == "sent"], what="sent")
    assert note["attempts"] == 4 and text["body"].startswith("311:")
    wait_until(lambda: sent_events(tap, "NotificationSent", sid), 20, what="NotificationSent")
    assert len(servers.texts("+14045550102")) == 1 and len(sent_events(tap, "NotificationSent", sid)) == 1


def test_permanent_rejections_fail_visibly_and_others_go_on(stack):
    service, servers, tap = stack
    sid, other = new_id(), new_id()
    servers.mail_faults(reject=["gone@example.org"])
    servers.sms_faults(reject_numbers=["+14045550103"])
    service.contact(sid, email="gone@example.org")
    service.contact(other, notify_by="sms", phone="+14045550103")
    service.status(sid, "received")
    service.status(other, "received")
    failures = wait_until(lambda: (f := sent_events(tap, "NotificationFailed", sid)
                                   + sent_events(tap, "NotificationFailed", other)) and len(f) == 2 and f,
                          20, what="two NotificationFailed")
    assert all(f["data"]["permanent"] for f in failures)
    assert {f["data"]["channel"] for f in failures} == {"email", "sms"}
    assert "gone@example.org" not in str(failures) and "4045550103" not in str(failures)
    assert [n["status"] for n in service.notifications(sid)] == ["failed"]
    assert service.notifications(sid)[0]["attempts"] == 1
    # the service goes on: the next message to someone else is delivered
    fine = new_id()
    service.contact(fine, email="fine@example.org")
    service.status(fine, "received")
    servers.wait_mails("fine@example.org")
    assert servers.mails("gone@example.org") == [] and servers.texts("+14045550103") == []


def confirm_by_mail(servers, address):
    """Follow the link of the confirmation mailed to `address` and press its button, as its owner would."""
    [asked] = [m for m in servers.wait_mails(address) if "/follow/confirm/" in m["text"]]
    link = next(word for word in asked["text"].split() if "/follow/confirm/" in word)
    assert requests.get(link, timeout=10).status_code == 200
    assert requests.post(link, timeout=10).status_code == 200


def test_stop_by_text_is_honoured(stack):
    service, servers, _ = stack
    sid = new_id()
    service.contact(sid, notify_by="sms", phone="+14045550104")
    service.status(sid, "received")
    servers.wait_texts("+14045550104")
    answer = requests.post(servers.sms_url("/api/inbound"), json={"from": "+14045550104", "body": "STOP"}, timeout=10)
    assert answer.json() == {"delivered": True, "webhook_status": 200}
    requests.post(service.url("/api/follow"), json={"service_request_id": sid, "email": "witness@example.org"},
                  timeout=10).raise_for_status()
    confirm_by_mail(servers, "witness@example.org")
    service.status(sid, "routed")
    servers.wait_mails("witness@example.org", 3)          # the link to confirm, "you follow", the routed news
    wait_until(lambda: all(n["status"] in ("sent", "cancelled") for n in service.notifications(sid)), 10,
               what="nothing left to send")
    assert len(servers.texts("+14045550104")) == 1


def test_reporters_of_duplicates_hear_the_parents_news(stack):
    service, servers, _ = stack
    parent, child = new_id(), new_id()
    service.contact(parent, email="first@example.org")
    service.contact(child, email="second@example.org")
    service.publish("RequestDuplicateDetected", child, service_request_id=child, parent_request_id=parent,
                    distance_m=12.0, rule_id="dup")
    # Separate queues: intake's "duplicate" stage normally follows the link; wait for it, as intake does.
    wait_until(lambda: requests.get(service.url(f"/api/requests/{parent}"), timeout=5).json()["duplicates"]
               == [child], 30, what="the duplicate joined to its parent")
    service.status(child, "duplicate")
    [duplicate_mail] = servers.wait_mails("second@example.org")
    assert f"already reported as request {parent}" in duplicate_mail["text"]
    service.status(parent, "in_progress")
    started = [m for m in servers.wait_mails("second@example.org", 2) if "Work has started" in m["subject"]]
    assert f"request {parent}, which your report {child} was joined to" in started[0]["text"]
    assert [m["subject"] for m in servers.wait_mails("first@example.org")] == [f"Work has started on request {parent}"]


def test_anyone_can_follow_and_unfollow_with_the_signed_link(stack):
    service, servers, _ = stack
    sid = new_id()
    service.status(sid, "received")
    follow = lambda: requests.post(service.url("/api/follow"), timeout=10,
                                   json={"service_request_id": sid, "email": "curious@example.org", "language": "es"})
    wait_until(lambda: follow().status_code == 202, 20, what="the request to be known, then asked to follow")
    assert servers.wait_mails("curious@example.org")[0]["subject"] == f"Confirme: seguir la solicitud {sid}"
    confirm_by_mail(servers, "curious@example.org")
    confirmation = next(m for m in servers.wait_mails("curious@example.org", 2)
                        if m["subject"] == f"Usted sigue la solicitud {sid}")
    service.status(sid, "routed")
    servers.wait_mails("curious@example.org", 3)
    link = confirmation["headers"]["List-Unsubscribe"].strip("<>")
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and 'lang="es"' in page.text and "<form" in page.text
    assert requests.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10).status_code == 200
    service.contact(sid, email="reporter@example.org")     # a witness that the next news went out
    service.status(sid, "in_progress")
    servers.wait_mails("reporter@example.org", 3)          # it catches up on received and routed first
    assert len(servers.mails("curious@example.org")) == 3
    form = requests.get(service.url(f"/follow?request={sid}"), timeout=10)
    assert form.status_code == 200 and f'value="{sid}"' in form.text


def test_after_closure_a_survey_comes_and_not_fixed_is_published_once(stack):
    service, servers, tap = stack
    sid = new_id()
    service.contact(sid, email="judge@example.org", language="es")
    service.status(sid, "closed", status_notes="Closed: pothole filled")
    mails = servers.wait_mails("judge@example.org", 2)               # closure, then the survey (1 s later)
    survey = next(m for m in mails if m["subject"].startswith("¿Se resolvió"))
    link = next(word for word in survey["text"].split() if "/survey/" in word)
    page = requests.get(link, timeout=10)
    assert page.status_code == 200 and "¿Se resolvió el problema?" in page.text
    answer = requests.post(link, data={"fixed": "no", "satisfaction": "2", "comment": "Still there"}, timeout=10)
    assert answer.status_code == 200
    [responded] = wait_until(lambda: sent_events(tap, "SurveyResponded", sid), 30, what="SurveyResponded")
    assert responded["data"]["fixed"] is False and responded["data"]["satisfaction"] == 2
    assert requests.post(link, data={"fixed": "yes", "satisfaction": "5"}, timeout=10).status_code == 409
    assert len(sent_events(tap, "SurveyResponded", sid)) == 1
