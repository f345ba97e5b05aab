"""A reopened request: its reporter and a duplicate's reporter (in Spanish) are each told once."""
from tests.unit.notifications.conftest import deliveries
from tests.unit.notifications.test_who_hears_what import contact, event, handle, status


def test_reporters_hear_once_that_the_request_was_reopened_in_their_language(uow, settings):
    duplicate = event("RequestDuplicateDetected", correlation_id="26-0000200",
                      service_request_id="26-0000200", parent_request_id="26-0000123")
    reopened = status("reopened", status_notes="Reopened.")
    handle(uow, settings, contact(), contact("26-0000200", email="vecina@example.org", language="es"), duplicate,
           status("closed"), reopened, reopened)
    by_address = {d.address: d for d in deliveries(uow, template="reopened")}
    assert sorted(d.address for d in deliveries(uow, template="reopened")) == ["resident@example.org",
                                                                              "vecina@example.org"]
    english, spanish = by_address["resident@example.org"], by_address["vecina@example.org"]
    assert english.subject == "Request 26-0000123 has been reopened"
    assert "We have reopened your request 26-0000123" in english.text_body
    assert spanish.subject == "La solicitud 26-0000123 se ha reabierto" and spanish.language == "es"
    assert "a la que se unió su reporte 26-0000200" in spanish.text_body
