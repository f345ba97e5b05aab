"""Spanish all the way through, from the running intake process: its pages, its track page's times, Open311.

Plain HTTP (no browser): what a Spanish-speaking resident's browser and an Open311 client with
`locale=es` or `Accept-Language: es` receive.
"""
import re

import pytest
import requests

pytestmark = pytest.mark.integration   # a real broker (intake starts on its own vhost)
SPANISH = {"Cookie": "lang=es"}


def get(intake, path, **kw):
    response = requests.get(intake.url(path), timeout=30, **kw)
    return response


def test_the_spanish_report_form_asks_the_catalogs_questions_in_spanish(intake):
    page = get(intake, "/report/POTHOLE", headers=SPANISH)
    assert page.status_code == 200 and '<html lang="es">' in page.text
    assert "Reportar: Bache" in page.text
    assert '¿Qué tamaño tiene el bache? <span class="req">(obligatorio)</span>' in page.text
    assert "Más grande que un plato llano" in page.text and 'value="large"' in page.text
    assert "How big is the pothole?" not in page.text and "dinner plate" not in page.text


def test_a_browser_that_prefers_spanish_gets_the_service_list_in_spanish(intake):
    page = get(intake, "/report?q=farola", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert "Farola apagada" in page.text and "1 tipo de problema coincide con sus palabras" in page.text
    assert "Streetlight out" in get(intake, "/report?q=streetlight").text     # English stays the default


def test_the_track_page_shows_times_in_the_citys_zone_with_the_zone_in_either_language(intake):
    filed = requests.post(intake.url("/open311/v2/requests.json"), timeout=30, data={
        "api_key": "dev-web-key", "service_code": "POTHOLE", "attribute[SIZE]": "small",
        "lat": "33.7490", "long": "-84.3880"})
    number = filed.json()[0]["service_request_id"]
    spanish = get(intake, f"/track/{number}", headers=SPANISH).text
    english = get(intake, f"/track/{number}").text
    assert "Recibida; la enviaremos al departamento que corresponda." in spanish and "Estado" in spanish
    assert re.search(r"<time datetime=\"[^\"]+\">\d{1,2} \w+ \d{4}, \d{1,2}:\d{2} GMT-0[45]:00</time>", spanish)
    assert re.search(r"<time datetime=\"[^\"]+\">\w{3} \d{1,2}, \d{4}, \d{1,2}:\d{2}\u202f[AP]M E[SD]T</time>",
                     english)


def test_open311_answers_in_spanish_with_locale_or_accept_language_and_in_english_otherwise(intake):
    services = get(intake, "/open311/v2/services.json", params={"locale": "es"}).json()
    pothole = next(s for s in services if s["service_code"] == "POTHOLE")
    assert (pothole["service_name"], pothole["group"]) == ("Bache", "Calles y aceras")
    definition = get(intake, "/open311/v2/services/POTHOLE.xml", headers={"Accept-Language": "es"})
    assert definition.status_code == 200
    assert "<description>¿Qué tamaño tiene el bache?</description>" in definition.text
    assert "<name>Más pequeño que un plato llano</name>" in definition.text and "<key>small</key>" in definition.text
    english = get(intake, "/open311/v2/services.json").json()
    assert next(s for s in english if s["service_code"] == "POTHOLE")["service_name"] == "Pothole"
    assert get(intake, "/open311/v2/services.json", params={"locale": "fr-CA"}).json() == english


def test_open311_refuses_a_locale_that_is_no_language_tag_in_its_error_format(intake):
    refused = get(intake, "/open311/v2/services/POTHOLE.json", params={"locale": "español"})
    assert refused.status_code == 400
    assert refused.json() == [{"code": 400, "description":
                               "locale 'español' is not a language tag; send one such as en, es or es-US"}]
