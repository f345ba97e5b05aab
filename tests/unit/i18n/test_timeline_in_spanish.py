"""The track page's timeline in Spanish: every sentence the public record writes is read back and translated."""
import pytest

from services.intake import public_record
from services.intake.web.i18n import load_page_translations
from services.intake.web.timeline import note_text
from tests.unit.services.conftest import event
from tests.unit.web.harness import web_client

SPANISH = load_page_translations()["es"]


def spanish(message, **values):
    text = SPANISH.gettext(message)
    return text % values if values else text


@pytest.mark.parametrize("status", sorted(public_record.WORK_NOTES))
def test_each_work_order_status_note_is_shown_in_spanish(status):
    sentence = public_record.WORK_NOTES[status]
    assert note_text(sentence, spanish) not in ("", sentence)


def test_a_departments_own_words_are_shown_as_written():
    assert note_text("Crew found a gas line; back Monday.", spanish) == "Crew found a gas line; back Monday."
    assert note_text("Closed: Pothole filled", spanish) == "Cerrada: Pothole filled"


def test_triage_and_duplicate_notes_written_by_the_public_record_read_in_spanish(tmp_path):
    client, uow = web_client(tmp_path)
    client.get("/language/es?next=/")
    filed = client.form_post("/report/POTHOLE", "/report/POTHOLE",
                             {"address_string": "326 Spring St NW", "attribute[SIZE]": "small"})
    number = filed.headers["Location"].split("/")[-1].split("?")[0]
    for handler, news in ((public_record.needs_triage, event("RequestNeedsTriage", number, service_request_id=number)),
                          (public_record.duplicate, event("RequestDuplicateDetected", number,
                                                          service_request_id=number, parent_request_id="26-0000042"))):
        with uow() as unit:
            handler(unit, news)
    timeline = client.get(f"/track/{number}").get_data(as_text=True)
    assert "En espera de un agente del 311: The location is outside the city limits" in timeline
    assert "Ya se reportó como la solicitud 26-0000042; recibirá sus noticias." in timeline
    client.get("/language/en?next=/")
    english = client.get(f"/track/{number}").get_data(as_text=True)
    assert "Already reported as request 26-0000042; you will hear its news." in english
