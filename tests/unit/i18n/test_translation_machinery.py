"""The translation machinery: .po catalogs compiled at load, plural forms, language tags, local times."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from services.intake.web.i18n import choose_language, load_page_translations, page_environments
from shared.i18n import compile_po, language_of, load_translations, local_datetime

ATLANTA = ZoneInfo("America/New_York")
PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"

msgid "Closed"
msgstr "Cerrada"

#, fuzzy
msgid "Open"
msgstr "Abierta (a guess)"

msgid "%(num)d day"
msgid_plural "%(num)d days"
msgstr[0] "%(num)d día"
msgstr[1] "%(num)d días"
'''


def write_po(folder, text=PO, language="es"):
    path = folder / language / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_po_file_is_compiled_when_loaded_and_fuzzy_guesses_are_not_used(tmp_path):
    write_po(tmp_path)
    translations = load_translations(tmp_path, languages=("en", "es"))
    spanish = translations["es"]
    assert spanish.gettext("Closed") == "Cerrada"
    assert spanish.gettext("Open") == "Open"                 # fuzzy: as msgfmt does, not used
    assert translations["en"].gettext("Closed") == "Closed"  # English is the source language: no .po


def test_spanish_plural_forms_follow_the_count(tmp_path):
    spanish = compile_po(write_po(tmp_path), "es")
    assert [spanish.ngettext("%(num)d day", "%(num)d days", n) % {"num": n} for n in (0, 1, 2)] == \
        ["0 días", "1 día", "2 días"]


def test_a_missing_or_broken_po_file_stops_loading_with_its_path(tmp_path):
    with pytest.raises(ValueError, match=r"messages\.po: No such file"):
        load_translations(tmp_path, languages=("en", "es"))
    broken = write_po(tmp_path, 'msgid "Closed"\nmsgid "Open"\nmsgstr "Abierta"\n')
    with pytest.raises(ValueError, match=f"{broken}: missing msgstr for msgid 'Closed'"):
        compile_po(broken, "es")


@pytest.mark.parametrize("tag, language", [("es", "es"), ("es-MX", "es"), ("ES_us", "es"), ("en-GB", "en"),
                                           ("fr", None), ("zz", None), ("", None), ("es;q=1", None),
                                           ("e", None), (None, None)])
def test_a_language_tag_names_an_offered_language_or_none(tag, language):
    assert language_of(tag) == language


def test_the_pages_ngettext_and_trans_render_in_the_visitors_language():
    environments = page_environments(load_page_translations())
    template = ('{{ ngettext("%(num)d kind of problem matches your words:", '
                '"%(num)d kinds of problem match your words:", n) }}|{{ _("Report: %(service)s", service=s) }}')
    render = {lang: environments[lang].from_string(template) for lang in ("en", "es")}
    assert render["es"].render(n=1, s="<b>Bache</b>") == \
        "1 tipo de problema coincide con sus palabras:|Reportar: &lt;b&gt;Bache&lt;/b&gt;"   # values escaped
    assert render["es"].render(n=3, s="x").startswith("3 tipos de problema coinciden")
    assert render["en"].render(n=1, s="x").startswith("1 kind of problem matches")


@pytest.mark.parametrize("cookie, header, language", [("es", "en", "es"), ("", "es-MX,es;q=0.9", "es"),
                                                      ("fr", "fr", "en"), ("", "", "en"),
                                                      ("", "es-MX,en;q=0.5", "es")])
def test_the_visitor_chooses_by_switch_then_browser_then_english(cookie, header, language):
    builder = EnvironBuilder(headers={"Accept-Language": header, "Cookie": f"lang={cookie}" if cookie else ""})
    assert choose_language(Request(builder.get_environ())) == language


def test_times_are_shown_in_the_jurisdictions_zone_with_its_name_in_each_language():
    winter = datetime(2026, 11, 23, 14, 5, tzinfo=timezone.utc)
    summer = datetime(2026, 7, 1, 14, 5, tzinfo=timezone.utc)
    assert local_datetime(winter, ATLANTA, "en") == "Nov 23, 2026, 9:05\u202fAM EST"
    assert local_datetime(summer, ATLANTA, "en") == "Jul 1, 2026, 10:05\u202fAM EDT"
    assert local_datetime(winter, ATLANTA, "es") == "23 nov 2026, 9:05 GMT-05:00"   # CLDR has no Spanish "EST"
    assert local_datetime(summer, ATLANTA, "es", "full") == "miércoles, 1 de julio de 2026, 10:05 GMT-04:00"
    assert local_datetime(winter, ZoneInfo("Europe/Madrid"), "es") == "23 nov 2026, 15:05 CET"
