"""The HTML pages residents see on port 8313 (follow, unsubscribe, survey), in English and Spanish.

One template per page under templates/pages/; the words of each language in templates/pages/words.yaml.
"""
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader

from services.notifications.messages import LANGUAGES

# Every page: never framed (clickjacking a follow or unsubscribe button), no scripts at all, forms post
# here only; the one inline <style> of layout.html is the only style.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

# A random id of the browser (HttpOnly, SameSite=Lax): the follow form's CSRF token is bound to it.
VISITOR_COOKIE = "city311_visitor"


class Pages:
    def __init__(self, folder):
        folder = Path(folder) / "pages"
        # Lenient on purpose: a form's missing fields and absent errors are simply empty.
        self._env = Environment(loader=FileSystemLoader(str(folder)), autoescape=True,
                                trim_blocks=True, lstrip_blocks=True)
        self.words = yaml.safe_load((folder / "words.yaml").read_text(encoding="utf-8"))

    def render(self, page, language, **context):
        return self._env.get_template(f"{page}.html").render(
            w=self.words[language], language=language, **context)

    def notice(self, language, key, **values):
        """A page that only says something: words.yaml's `<key>_title` and `<key>_text`."""
        words = self.words[language]
        return self.render("notice", language, title=words[f"{key}_title"],
                           text=words[f"{key}_text"].format(**values))

    def error_text(self, language, code):
        return self.words[language]["errors"].get(code, code)


def choose_language(request, default=None):
    """?lang= first, then the language the page is about, then the browser's preference, then English."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    if default in LANGUAGES:
        return default
    return request.accept_languages.best_match(LANGUAGES) or "en"
