"""English and Spanish: message catalogs as data files (web/messages/<lang>.yaml) and the visitor's choice."""
from pathlib import Path

import yaml

LANGUAGES = ("en", "es")
DEFAULT = "en"
COOKIE = "lang"
FOLDER = Path(__file__).resolve().parent / "messages"


def load_catalogs(folder=FOLDER):
    """{lang: {dotted.key: text}}; every language must have every English key."""
    catalogs = {lang: _flatten(yaml.safe_load((folder / f"{lang}.yaml").read_text(encoding="utf-8")))
                for lang in LANGUAGES}
    missing = {lang: sorted(set(catalogs[DEFAULT]) - set(c)) for lang, c in catalogs.items()}
    missing = {lang: keys for lang, keys in missing.items() if keys}
    if missing:
        raise ValueError(f"message catalogs lack keys: {missing}")
    return catalogs


def _flatten(tree, prefix=""):
    flat = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


def translator(catalogs, lang):
    """`t(key, **values)`: the text in `lang`, with {placeholders} filled; the key itself if unknown."""
    messages = catalogs.get(lang) or catalogs[DEFAULT]

    def t(key, **values):
        text = messages.get(key) or catalogs[DEFAULT].get(key) or key
        return text.format(**values) if values else text
    return t


def choose_language(request):
    """The visitor's language: their switch (cookie), else their browser's preference, else English."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT
