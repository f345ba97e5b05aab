"""The languages residents are served in: gettext catalogs (Babel) and dates as a person reads them.

Catalogs are `.po` files, `<folder>/<language>/LC_MESSAGES/<domain>.po`, compiled in memory when
they are loaded: a fresh clone needs no compile step and no `.mo` file is committed. English is the
source language (the msgids are English), so it needs no `.po`.
"""
import io
import re
from pathlib import Path

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_datetime_format, get_timezone_gmt
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, select_autoescape

LANGUAGES = ("en", "es")
DEFAULT = "en"
# The switch's cookie, one for the whole site (cookies ignore ports): intake's pages and the metrics dashboard.
COOKIE = "lang"
# A language tag as clients send it: "es", "es-US", "es_MX", "zh-Hant-TW".
TAG = re.compile(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*")


def N_(text):  # noqa: N802 (the gettext convention for "mark for extraction, translate later")
    """Mark `text` for extraction (pybabel -k N_) where it is defined; translate it where it is shown."""
    return text


def language_of(tag):
    """The offered language a locale tag asks for ("es", "es-MX", "es_US" → "es"), or None."""
    if not tag or not TAG.fullmatch(tag.strip()):
        return None
    try:
        language = Locale.parse(tag.strip().replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        return None
    return language if language in LANGUAGES else None


def preferred_language(accept_languages):
    """The offered language a client's Accept-Language prefers most ("es-MX,en;q=0.5" → es), else English."""
    for tag, quality in accept_languages or ():
        if quality > 0 and (language := language_of(tag)):
            return language
    return DEFAULT


def choose_language(request):
    """The visitor's language: their switch (the cookie), else their browser's preference, else English."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return preferred_language(request.accept_languages)


def gettext_environments(folder, translations, trimmed=False):
    """{language: Environment}: the templates in `folder`, each environment with its language's gettext installed.

    One environment per language, not one whose translations are swapped per request: pages are
    rendered concurrently (greenlets), and installed translations are the environment's globals.
    """
    loader = FileSystemLoader(folder)
    environments = {}
    for language, language_translations in translations.items():
        environment = Environment(loader=loader, autoescape=select_autoescape(["html"]), trim_blocks=True,
                                  lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
        if trimmed:
            environment.policies["ext.i18n.trimmed"] = True
        environment.install_gettext_translations(language_translations, newstyle=True)
        environments[language] = environment
    return environments


def load_translations(folder, domain="messages", languages=LANGUAGES):
    """{language: Translations}: each language's `.po` compiled in memory; English needs none.

    A missing `.po`, or one Babel cannot read, stops start-up with its path in the message.
    """
    found = {DEFAULT: NullTranslations()}
    for language in languages:
        if language != DEFAULT:
            found[language] = compile_po(Path(folder) / language / "LC_MESSAGES" / f"{domain}.po", language, domain)
    return found


def compile_po(path, language, domain="messages"):
    """Translations for one `.po` file (fuzzy entries are not used, as gettext's msgfmt does)."""
    try:
        with open(path, "rb") as handle:
            catalog = read_po(handle, locale=language, domain=domain, abort_invalid=True)
    except OSError as exc:
        raise ValueError(f"message catalog {path}: {exc.strerror}") from exc
    except Exception as exc:   # babel raises PoFileError and ValueErrors of its own
        raise ValueError(f"message catalog {path}: {exc}") from exc
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=domain)


def local_datetime(value, zone, language, date_format="medium"):
    """`value` (an aware datetime) as a person there reads it: the date, the time and the zone's name,
    in `zone` and in `language`'s conventions, e.g. "Nov 23, 2026, 9:05 AM EST", "23 nov 2026, 9:05 GMT-05:00".
    """
    local = value.astimezone(zone)
    date = format_date(local, date_format, locale=language)
    time = f"{format_time(local, 'short', tzinfo=zone, locale=language)} {zone_name(local, zone, language)}"
    return get_datetime_format(date_format, locale=language).replace("'", "") \
        .replace("{1}", date).replace("{0}", time)


def local_date(value, zone, language, date_format="full"):
    """The date of `value` in `zone`, written in `language` ("Wednesday, November 25, 2026")."""
    return format_date(value.astimezone(zone), date_format, locale=language)


def zone_name(local, zone, language):
    """The zone's short name where the language has one ("EST"), else its offset from GMT ("GMT-05:00")."""
    short = format_time(local, "z", tzinfo=zone, locale=language)
    return short if re.search(r"[A-Za-z]", short) else get_timezone_gmt(local, "long", locale=language)
