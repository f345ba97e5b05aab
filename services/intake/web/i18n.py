"""English and Spanish on intake's pages: gettext catalogs, one Jinja2 environment per language, the visitor's choice.

Texts are marked in the templates (`{% trans %}`, `_()`, `ngettext()`) and in this package's Python
(`gettext`, and `N_` where a text is defined apart from where it is shown); `make messages` extracts
them (babel.cfg) into web/locale/messages.pot and merges that into web/locale/<lang>/LC_MESSAGES/messages.po.
The `.po` files are compiled when the site loads (shared/i18n.py).
"""
from pathlib import Path

from shared.i18n import COOKIE, DEFAULT, LANGUAGES, choose_language, gettext_environments, load_translations

HERE = Path(__file__).resolve().parent
LOCALE_FOLDER = HERE / "locale"
TEMPLATES_FOLDER = HERE / "templates"


def load_page_translations(folder=LOCALE_FOLDER):
    """{language: Translations} for intake's pages."""
    return load_translations(folder)


def page_environments(translations, folder=TEMPLATES_FOLDER):
    """{language: Environment} for intake's templates ({% trans %} blocks trimmed)."""
    return gettext_environments(folder, translations, trimmed=True)


__all__ = ["COOKIE", "DEFAULT", "LANGUAGES", "choose_language", "load_page_translations", "page_environments"]
