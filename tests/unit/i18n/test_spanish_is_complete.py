"""Nothing a resident reads on intake's pages is left in English on the Spanish pages.

Three checks, each failing on its own kind of gap:
- the catalogs: the texts marked in the code (extracted as `make messages` does) are all in messages.pot
  and es.po, and es.po translates every one (no empty, fuzzy or obsolete entry, same placeholders);
- the pages: every resident page, rendered in Spanish, asks only for texts es.po translates;
- the templates: rendered with a marker language that brackets every translated text, a Spanish page
  shows no words outside the brackets but the jurisdiction's data (its catalog, in Spanish; its
  district names), the language switch's "English", and dates (localised by Babel).
"""
import html.parser
import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.support import NullTranslations

from services.intake import public_record
from services.intake.web import site as site_module
from services.intake.web.i18n import LOCALE_FOLDER, load_page_translations
from tests.unit.services.conftest import event
from tests.unit.web.harness import sample_jurisdiction, web_client

ROOT = Path(__file__).resolve().parents[3]
WEB = ROOT / "services" / "intake" / "web"
ES_PO = LOCALE_FOLDER / "es" / "LC_MESSAGES" / "messages.po"
POT = LOCALE_FOLDER / "messages.pot"
SPANISH_CATALOG = sample_jurisdiction().catalog.in_language("es")


def catalog_of(path, locale=None):
    with open(path, "rb") as handle:
        return read_po(handle, locale=locale)


def marked_in_code():
    """msgids marked in intake's web code and templates, extracted with babel.cfg as `make messages` does."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    found = extract_from_dir(str(WEB), method_map, options_map, keywords=keywords)
    return {message if isinstance(message, str) else message[0] for _, _, message, _, _ in found}


# -- the catalogs -------------------------------------------------------------------------
def test_every_marked_text_is_in_the_template_and_the_spanish_catalog():
    marked = marked_in_code()
    assert len(marked) > 80
    in_pot = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog_of(POT) if m.id}
    in_es = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog_of(ES_PO) if m.id}
    assert marked - in_pot == set(), "run `make messages` and translate the new entries"
    assert marked - in_es == set(), "run `make messages` and translate the new entries"
    assert in_es - marked == set(), "es.po has texts the code no longer marks: run `make messages`"


def test_the_spanish_catalog_translates_everything_with_the_same_placeholders():
    spanish = catalog_of(ES_PO, "es")
    untranslated = [m.id for m in spanish if m.id and not all(
        (m.string if isinstance(m.string, tuple) else (m.string,)))]
    assert untranslated == []
    assert [m.id for m in spanish if m.id and m.fuzzy] == []
    assert list(spanish.obsolete) == []
    assert [(m.id, [str(e) for e in errors]) for m, errors in spanish.check()] == []
    assert spanish.plural_forms == "nplurals=2; plural=(n != 1);"


def test_the_sample_catalog_gives_every_residents_text_in_spanish():
    english = sample_jurisdiction().catalog
    same = []
    for service, translated in zip(english.services, SPANISH_CATALOG.services):
        pairs = [(service.service_name, translated.service_name), (service.description, translated.description),
                 (service.group, translated.group), (service.keywords, translated.keywords)]
        for attribute, spanish in zip(service.attributes, translated.attributes):
            pairs += [(attribute.description, spanish.description),
                      (attribute.datatype_description, spanish.datatype_description)]
            pairs += [(v.name, w.name) for v, w in zip(attribute.values, spanish.values) if v.name != "No"]
        same += [(service.service_code, text) for text, spanish_text in pairs if text and text == spanish_text]
    assert same == []


# -- the pages ------------------------------------------------------------------------------
class Recording(NullTranslations):
    """Translations that note each text asked for, answering from `inner`."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.asked = inner, set()

    def gettext(self, message):
        self.asked.add(message)
        return self.inner.gettext(message)

    def ngettext(self, singular, plural, n):
        self.asked.add(singular)
        return self.inner.ngettext(singular, plural, n)

    ugettext, ungettext = gettext, ngettext     # the names Jinja2's i18n extension prefers


class Bracketing(NullTranslations):
    """A marker language: every translated text comes out as ⟦text⟧, so what is outside was not translated."""

    def gettext(self, message):
        return f"⟦{message}⟧"

    def ngettext(self, singular, plural, n):
        return f"⟦{singular if n == 1 else plural}⟧"

    ugettext, ungettext = gettext, ngettext


def spanish_pages(tmp_path, monkeypatch, spanish):
    """(path, status, HTML) of every resident page, in Spanish, with `spanish` as the Spanish translations."""
    translations = load_page_translations()
    monkeypatch.setattr(site_module, "load_page_translations", lambda: {**translations, "es": spanish})
    client, uow = web_client(tmp_path)
    client.get("/language/es?next=/")
    pages = []

    def visit(path, response=None):
        response = response or client.get(path)
        pages.append((path, response.status_code, response.get_data(as_text=True)))
        return response

    for path in ("/", "/report", "/report?q=bache", "/report?q=xyzzy", "/track", "/track?id=bad",
                 "/track/26-9999999", "/report/NOPE", "/media/nope.jpg"):
        visit(path)
    for service in SPANISH_CATALOG.services:
        visit(f"/report/{service.service_code}")
    visit("POST /report/POTHOLE (empty)", client.form_post("/report/POTHOLE", "/report/POTHOLE", {}))
    visit("POST /report/POTHOLE (bad contact)", client.form_post("/report/POTHOLE", "/report/POTHOLE", {
        "address_string": "326 Spring St NW", "attribute[SIZE]": "small", "attribute[DEPTH_CM]": "deep",
        "email": "not-an-address", "phone": "12", "notify_by": "sms"}))
    visit("POST /report/POTHOLE (email wanted)", client.form_post("/report/POTHOLE", "/report/POTHOLE", {
        "address_string": "326 Spring St NW", "attribute[SIZE]": "small", "notify_by": "email"}))
    filed = client.form_post("/report/POTHOLE", "/report/POTHOLE",
                             {"address_string": "326 Spring St NW", "attribute[SIZE]": "small"})
    assert filed.status_code == 303, filed.get_data(as_text=True)
    number = filed.headers["Location"].split("/")[-1].split("?")[0]
    visit(filed.headers["Location"])
    live_through_to_closure(uow, number)
    visit(f"/track/{number}")
    return pages


def live_through_to_closure(uow, number):
    """The public record's own handlers write the timeline: routed, work order created, in progress, closed."""
    steps = [(public_record.routed, event("RequestRouted", number, service_request_id=number)),
             (public_record.work_order_created, event("WorkOrderCreated", number, service_request_id=number,
                                                      created_at="2099-01-01T10:00:00+00:00")),
             (public_record.work_order_updated, event("WorkOrderUpdated", number, service_request_id=number,
                                                      status="in_progress", note=None,
                                                      changed_at="2099-01-01T11:00:00+00:00")),
             (public_record.work_order_closed, event("WorkOrderClosed", number, service_request_id=number,
                                                     changed_at="2099-01-01T12:00:00+00:00"))]
    for handler, news in steps:
        with uow() as unit:
            handler(unit, news)


def test_every_spanish_page_asks_only_for_translated_texts(tmp_path, monkeypatch):
    spanish = catalog_of(ES_PO, "es")
    recording = Recording(load_page_translations()["es"])
    pages = spanish_pages(tmp_path, monkeypatch, recording)
    assert {status for _, status, _ in pages} == {200, 400, 404}
    assert len(recording.asked) > 70
    missing = sorted(m for m in recording.asked if not (spanish.get(m) and spanish.get(m).string))
    assert missing == []
    closed = pages[-1][2]
    for shown in ("Cerrada: Pothole filled", "Trabajo en curso.", "Enviada a Public Works – Streets.",
                  "Orden de trabajo creada", "Recibida;", "Bache", "GMT-05:00"):
        assert shown in closed, shown


class VisibleText(html.parser.HTMLParser):
    """The text a visitor sees or hears: text nodes and the attributes shown or read out, not <time> (dates)."""

    SHOWN = ("alt", "title", "placeholder", "aria-label", "data-locating", "data-unavailable", "data-label",
             "data-near", "data-point")

    def __init__(self):
        super().__init__()
        self.texts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "time"):
            self._hidden += 1
        self.texts += [value for name, value in attrs if name in self.SHOWN and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "time"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def jurisdiction_data():
    """Texts the jurisdiction's files give, shown as they are: the Spanish catalog, districts' names, addresses."""
    texts = {"English", "326 Spring St NW", "Public Works – Streets", "Pothole filled"}
    for service in SPANISH_CATALOG.services:
        texts |= {service.service_name, service.description}
        for attribute in service.attributes:
            texts |= {attribute.description, attribute.datatype_description or ""}
            texts |= {v.name for v in attribute.values}
    districts = json.loads((ROOT / "deploy/jurisdictions/sample/districts.geojson").read_text(encoding="utf-8"))
    for feature in districts["features"]:
        texts |= {str(value) for value in feature["properties"].values()}
    return sorted((t for t in texts if t), key=len, reverse=True)


def untranslated_words(page_html, data):
    parser = VisibleText()
    parser.feed(page_html)
    left = []
    for text in parser.texts:
        text = re.sub(r"⟦[^⟧]*⟧", " ", text)
        for known in data:
            text = text.replace(known, " ")
        left += re.findall(r"[^\W\d_]{2,}", text)
    return left


def test_no_spanish_page_shows_a_text_that_was_not_marked_for_translation(tmp_path, monkeypatch):
    data = jurisdiction_data()
    pages = spanish_pages(tmp_path, monkeypatch, Bracketing())
    assert "⟦" in pages[0][2]
    found = {path: words for path, _, body in pages if (words := untranslated_words(body, data))}
    assert found == {}


def test_the_visible_text_check_does_catch_a_text_left_out(tmp_path):
    page = '<main><h1>⟦Report: Bache⟧</h1><p>Pick one</p><time>7 dic 2026</time><img alt="A photo"></main>'
    assert untranslated_words(page, jurisdiction_data()) == ["Pick", "one", "photo"]


@pytest.mark.parametrize("path", ["/report/POTHOLE", "/report?q=hoyo"])
def test_the_spanish_form_and_service_list_show_the_catalog_in_spanish(tmp_path, path):
    client, _ = web_client(tmp_path)
    client.get("/language/es?next=/")
    body = client.get(path).get_data(as_text=True)
    assert "Bache" in body and "Pothole" not in body
    if path.startswith("/report/"):
        assert "¿Qué tamaño tiene el bache? <span class=\"req\">(obligatorio)</span>" in body
        assert "Más grande que un plato llano" in body and 'value="large"' in body   # keys stay as they are
