"""The dashboard in English and Spanish: every text it marks is translated, the visitor's language is chosen
from the switch's cookie or the browser, and the switch returns only to a page of this site."""
import json
import re
from html.parser import HTMLParser

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from nameko.testing.services import worker_factory
from werkzeug.test import EnvironBuilder

from services.metrics import dashboard
from services.metrics.service import MetricsService
from shared.i18n import DEFAULT, load_translations

WEB = dashboard.WEB
SPANISH_PO = WEB / "locale" / "es" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


def marked_texts():
    """Every text the page and its scripts mark for translation, found as `make messages` finds them."""
    with open(WEB / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {message for _file, _line, message, _comments, _context
            in extract_from_dir(WEB, method_map, options_map) if not _file.startswith("node_modules")}


def spanish_catalog():
    with open(SPANISH_PO, "rb") as handle:
        return read_po(handle, locale="es")


def forms(text):
    return list(text) if isinstance(text, (tuple, list)) else [text]


def get(path, **headers):
    return EnvironBuilder(path=path, headers=headers).get_request()


def page(request):
    response = worker_factory(MetricsService).get_dashboard(request)
    return response, response.get_data(as_text=True)


class VisibleText(HTMLParser):
    """The texts a visitor sees or hears on a page: text nodes, and the labels and titles of elements."""

    def __init__(self):
        super().__init__()
        self.texts, self.skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in ("script", "style")
        self.texts += [value for name, value in attrs if name in ("aria-label", "title") and value]

    def handle_endtag(self, tag):
        self.skipping -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts += [part.strip() for part in re.split(r"\s*·\s*", data) if part.strip()]


def visible_texts(html):
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def test_every_text_the_dashboard_marks_has_a_spanish_translation():
    catalog = spanish_catalog()
    marked = marked_texts()
    assert len(marked) > 50                           # the page's and the scripts' texts were found
    missing = [text for text in marked if catalog.get(text if isinstance(text, str) else text[0]) is None]
    assert missing == [], f"not in {SPANISH_PO} (run make messages, then translate): {missing}"
    untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not all(forms(m.string)))]
    assert untranslated == [], f"empty or fuzzy in {SPANISH_PO}: {untranslated}"


def test_a_spanish_translation_keeps_the_placeholders_of_its_english_text():
    changed = [(m.id, m.string) for m in spanish_catalog() if m.id and
               any(set(PLACEHOLDER.findall(forms(m.id)[-1])) != set(PLACEHOLDER.findall(s)) for s in forms(m.string))]
    assert changed == []


def test_the_scripts_plural_rule_is_every_catalogs():
    # words.js picks a plural's form as "nplurals=2; plural=(n != 1)" does: a language whose catalog has
    # other forms needs words.js taught its rule first.
    translations = load_translations(WEB / "locale")
    assert set(translations) == {"en", "es"}
    for language, catalog in translations.items():
        if language != DEFAULT:
            assert [catalog.plural(n) for n in range(1001)] == [0 if n == 1 else 1 for n in range(1001)], language


def test_the_page_is_in_spanish_for_a_spanish_browser_and_its_scripts_get_spanish_words():
    response, html = page(get("/", **{"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}))
    assert response.status_code == 200 and response.headers["Content-Language"] == "es"
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in response.headers["Vary"].split(",")}
    assert '<html lang="es">' in html and "<h1>Cómo le va a la ciudad" in html
    words = json.loads(re.search(r'<script type="application/json" id="words">(.*?)</script>', html, re.S).group(1))
    assert words["lang"] == "es" and words["messages"]["Service requests"] == "Solicitudes de servicio"
    assert words["messages"]["{count} request past its due time"] == [
        "{count} solicitud pasada de su plazo", "{count} solicitudes pasadas de su plazo"]


def test_every_text_on_the_spanish_page_is_a_spanish_translation():
    # a translation with placeholders matches the text it makes whatever fills them
    translated = [re.compile(".+".join(re.escape(part) for part in PLACEHOLDER.split(s)))
                  for m in spanish_catalog() if m.id for s in forms(m.string)]
    _response, html = page(get("/", **{"Accept-Language": "es"}))
    texts = visible_texts(html)
    not_spanish = [text for text in texts if not any(p.fullmatch(text) for p in translated)
                   and text not in ("English", "Prometheus")]
    assert len(texts) > 40 and not_spanish == []


def test_the_switchs_cookie_wins_over_the_browser_and_english_is_the_default():
    _response, chosen = page(get("/", **{"Accept-Language": "es", "Cookie": "lang=en"}))
    _response, french = page(get("/", **{"Accept-Language": "fr-FR"}))
    _response, spanish = page(get("/", Cookie="lang=es"))
    assert '<html lang="en">' in chosen and '<html lang="en">' in french and '<html lang="es">' in spanish
    assert 'href="/language/es?next=%2F"' in chosen and 'lang="es"' in chosen and ">Español</a>" in chosen


def test_the_switch_offers_to_come_back_to_the_same_filters():
    _response, html = page(get("/?district=CD-01&from=2026-11-01"))
    assert 'href="/language/es?next=%2F%3Fdistrict%3DCD-01%26from%3D2026-11-01"' in html


def test_the_language_switch_remembers_the_choice_and_returns_to_the_page():
    request = get("/language/es?next=/%3Fdistrict%3DCD-01")
    response = worker_factory(MetricsService).set_language(request, "es")
    assert response.status_code == 303 and response.headers["Location"] == "/?district=CD-01"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=es;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\t/evil.example", "/\\evil", ""])
def test_the_switch_never_sends_the_visitor_to_another_site(target):
    request = EnvironBuilder(path="/language/en", query_string={"next": target}).get_request()
    response = worker_factory(MetricsService).set_language(request, "en")
    assert response.headers["Location"] == "/"


def test_an_unknown_language_is_a_404_that_names_the_dashboards_languages():
    response = worker_factory(MetricsService).set_language(get("/language/fr"), "fr")
    assert response.status_code == 404 and "Set-Cookie" not in response.headers
    assert response.get_data(as_text=True) == "no language 'fr': the dashboard is written in en, es"
