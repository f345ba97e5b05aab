"""An article in another language: knowledge.yaml's `translations: {es: {question, answer, keywords}}` block.

Stored beside the English as `question_es`, `answer_es`, `keywords_es` (one set of columns per offered
language; Spanish is the only one so far, shared/i18n.py).
"""
from shared.i18n import DEFAULT, LANGUAGES

TRANSLATABLE = ("question", "answer", "keywords")
TRANSLATED_LANGUAGES = tuple(language for language in LANGUAGES if language != DEFAULT)


def translated_fields(entry):
    """(fields, problems): `entry` with its translations block as flat `question_es`… fields, and what is wrong.

    A problem is a language intake does not offer, a text that is not translatable, or an empty text.
    """
    fields = {k: v for k, v in entry.items() if k != "translations"}
    translations = entry.get("translations")
    if translations is None:
        return fields, {}
    if not isinstance(translations, dict):
        return fields, {"translations": "a map from a language code (es) to the translated texts"}
    problems = {}
    for language, texts in translations.items():
        if language not in TRANSLATED_LANGUAGES:
            problems[f"translations.{language}"] = \
                f"not a language intake offers (offered: {', '.join(TRANSLATED_LANGUAGES)})"
        elif not isinstance(texts, dict):
            problems[f"translations.{language}"] = "a map of question, answer and keywords"
        else:
            for name, value in texts.items():
                where = f"translations.{language}.{name}"
                if name not in TRANSLATABLE:
                    problems[where] = f"not translatable (translatable: {', '.join(TRANSLATABLE)})"
                elif not _given(value):
                    problems[where] = "empty: give the text or leave the key out"
                else:
                    fields[f"{name}_{language}"] = value
    return fields, problems


def in_language(article, language):
    """The article's (question, answer) in `language`, or None when it has no such translation."""
    if language == DEFAULT:
        return article.question, article.answer
    if language == "es" and article.question_es and article.answer_es:
        return article.question_es, article.answer_es
    return None


def _given(value):
    if isinstance(value, (list, tuple)):
        return any(str(item).strip() for item in value)
    return bool(str(value or "").strip())
