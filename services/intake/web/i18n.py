"""English and Spanish on intake's pages: gettext catalogs, one Jinja2 environment per language, the visitor's choice.

Texts are marked in the templates (`{% trans %}`, `_()`, `ngettext()`) and in this package's Python
(`gettext`, and `N_` where a text is defined apart from where it is shown); `make messages` extracts
them (babel.cfg) into web/locale/messages.pot and merges that into web/locale/<lang>/LC_MESSAGES/messages.po.
The `.po` files are compiled when the site loads (shared/i18n.py).
"""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shared.i18n import DEFAULT, LANGUAGES, load_translations, preferred_language

COOKIE = "lang"
HERE = Path(__file__).resolve().parent
LOCALE_FOLDER = HERE / "locale"
TEMPLATES_FOLDER = HERE / "templates"


def load_page_translations(folder=LOCALE_FOLDER):
    """{language: Translations} for intake's pages."""
    return load_translations(folder)


def page_environments(translations, folder=TEMPLATES_FOLDER):
    """{language: Environment}: the same templates, each environment with its language's gettext installed.

    One environment per language, not one whose translations are swapped per request: pages are
    rendered concurrently (greenlets), and installed translations are the environment's globals.
    """
    loader = FileSystemLoader(folder)
    environments = {}
    for language, language_translations in translations.items():
        environment = Environment(loader=loader, autoescape=select_autoescape(["html"]), trim_blocks=True,
                                  lstrip_blocks=True, extensions=["jinja2.ext.i18n"])
        environment.policies["ext.i18n.trimmed"] = True
        environment.install_gettext_translations(language_translations, newstyle=True)
        environments[language] = environment
    return environments


def choose_language(request):
    """The visitor's language: their switch (cookie), else their browser's preference, else English."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return preferred_language(request.accept_languages)


__all__ = ["COOKIE", "DEFAULT", "LANGUAGES", "choose_language", "load_page_translations", "page_environments"]
