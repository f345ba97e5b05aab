"""The dashboard page in the visitor's language: English (the source texts) or Spanish (web/locale).

Texts are marked in web/templates/dashboard.html (`_()`) and in the scripts under web/static (`_()`,
`ngettext()`); `make messages` extracts them (web/babel.cfg) into web/locale/messages.pot and merges
that into web/locale/<lang>/LC_MESSAGES/messages.po, compiled when the page is first asked for
(shared/i18n.py). The page is rendered here; the words its scripts write go with it as JSON (#words):
no second request, and the Content-Security-Policy stays 'self' (a JSON block is data, never run).
"""
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.extract import extract_from_file
from shared.i18n import COOKIE, LANGUAGES, choose_language, gettext_environments, load_translations
from shared.redirects import local_path

COOKIE_SECONDS = 365 * 24 * 3600
NAMES = {"en": "English", "es": "Español"}   # each language in its own words, for the switch
WEB = Path(__file__).resolve().parent / "web"
SCRIPTS = ("dashboard.js", "words.js", "map.js")


class UnknownLanguage(LookupError):
    """A language the dashboard is not written in; the message says which ones it is."""


class Dashboard:
    """The page's template and words, one Jinja2 environment per language (pages render concurrently)."""

    def __init__(self, web=WEB):
        translations = load_translations(web / "locale")
        scripts = [message for name in SCRIPTS for message in _marked(web / "static" / name)]
        self.environments = gettext_environments(web / "templates", translations)
        self.words = {language: script_words(t, scripts) for language, t in translations.items()}

    def render(self, language, path):
        """The dashboard's HTML in `language`; `path` (this page's path and query) is where the switch returns."""
        other = next(code for code in LANGUAGES if code != language)
        return self.environments[language].get_template("dashboard.html").render(
            lang=language, other={"code": other, "name": NAMES[other], "href": switch_link(other, path)},
            words={"lang": language, "messages": self.words[language]})


@cache
def dashboard():
    """The Dashboard, loaded once per process (a broken catalog fails the first page with its path)."""
    return Dashboard()


def switch(language, target):
    """(cookie value, where to go) for GET /language/<language>?next=<target>."""
    if language not in LANGUAGES:
        raise UnknownLanguage(f"no language {language!r}: the dashboard is written in {', '.join(LANGUAGES)}")
    return language, local_path(target)


def page_path(request):
    """This request's path with its query, as the language switch's `next`."""
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def switch_link(language, path):
    """The language switch's address: to `language`, then back to `path`."""
    return f"/language/{language}?{urlencode({'next': path})}"


def script_words(translations, messages):
    """{English text: text in the language} of the scripts' messages; a plural's value is [one, other]."""
    words = {}
    for message in messages:
        if isinstance(message, tuple):
            singular, plural = message[:2]
            words[singular] = [translations.ngettext(singular, plural, 1), translations.ngettext(singular, plural, 2)]
        else:
            words[message] = translations.gettext(message)
    return words


def _marked(script):
    return [message for _line, message, _comments, _context in extract_from_file("javascript", script)]
