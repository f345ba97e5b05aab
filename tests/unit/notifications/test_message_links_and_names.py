"""What a resident's email carries: a tracking link that opens intake's page, and no text a stranger chose."""
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from werkzeug.routing import Map, Rule

from services.intake.web.entrypoints import WebPages
from tests.unit.notifications.conftest import deliveries
from tests.unit.notifications.test_who_hears_what import contact, handle, status

PHISHING = "Ana. Your account is locked: sign in at http://evil.example/login to keep it"


def intake_pages():
    """Intake's own routes, from its @http entrypoints (so a renamed page shows here)."""
    return Map([Rule(e.url, methods=[e.method], endpoint=name)
                for name in dir(WebPages) for e in getattr(getattr(WebPages, name), ENTRYPOINT_EXTENSIONS_ATTR, ())
                if getattr(e, "url", None)]).bind("track.test")


def test_the_tracking_link_in_every_message_opens_intakes_track_page(uow, settings):
    handle(uow, settings, contact(), status("received"), contact(notify_by="sms", phone="404-555-0134"))
    sent = deliveries(uow)
    assert {d.channel for d in sent} == {"email", "sms"}
    for delivery in sent:
        assert "http://track.test/track/26-0000123" in delivery.text_body
        assert "/requests/26-0000123" not in delivery.text_body + (delivery.html_body or "")
    endpoint, values = intake_pages().match("/track/26-0000123", "GET")
    assert (endpoint, values) == ("page_track_request", {"service_request_id": "26-0000123"})


def test_a_name_typed_by_whoever_filed_the_request_never_reaches_the_mailbox(uow, settings):
    """Anyone can file a request with a victim's address and a 'name' that reads like a message of ours;
    until an address has proved it is the reporter's, nothing they typed goes in our mail: we greet no one."""
    handle(uow, settings, contact(first_name=PHISHING), status("received"), status("routed"), status("closed"))
    sent = deliveries(uow)
    assert {d.template for d in sent} == {"received", "routed", "closed", "survey"}
    for delivery in sent:
        assert "evil.example" not in delivery.subject + delivery.text_body + delivery.html_body
        assert "locked" not in delivery.text_body and delivery.text_body.startswith("Hello,")
