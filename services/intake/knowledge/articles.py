"""Knowledge articles: reading the jurisdiction's knowledge.yaml, seeding it, and staff edits."""
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import yaml
from sqlalchemy import select

from services.intake.knowledge.models import KnowledgeArticle
from services.intake.knowledge.translations import TRANSLATABLE, translated_fields

_KEYS = {"id", "question", "answer", "department", "keywords", "valid_from", "valid_until"}
_SPANISH = {f"{name}_es" for name in TRANSLATABLE}
_LIMITS = (("id", 80), ("question", 300), ("answer", 20_000), ("department", 60),
           ("question_es", 300), ("answer_es", 20_000), ("keywords_es", 2_000))


class ArticleError(ValueError):
    """An article (from the file or a staff form) is not valid; `problems` maps field → message."""

    def __init__(self, problems):
        self.problems = dict(problems)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.problems.items()))


@dataclass(frozen=True)
class ArticleDraft:
    """A checked article, before it is stored."""
    slug: str
    question: str
    answer: str
    department: str | None
    keywords: str
    valid_from: date | None
    valid_until: date | None
    question_es: str | None = None
    answer_es: str | None = None
    keywords_es: str | None = None


def check_article(fields):
    """An ArticleDraft from a mapping of text fields; ArticleError naming every bad field.

    The Spanish texts (question_es, answer_es, keywords_es) are optional, but an article is in
    Spanish with its question and its answer both, or not at all.
    """
    problems = {}
    text = {k: _text(fields.get(k)) for k in _KEYS | _SPANISH}
    for name, limit in _LIMITS:
        if len(text[name]) > limit:
            problems[name] = f"at most {limit} characters"
    for name in ("id", "question", "answer"):
        if not text[name]:
            problems[name] = "required"
    if (text["answer_es"] or text["keywords_es"]) and not text["question_es"]:
        problems.setdefault("question_es", "required with a Spanish answer or keywords: "
                                           "the question in Spanish, as Spanish-speaking callers ask it")
    if text["question_es"] and not text["answer_es"]:
        problems.setdefault("answer_es", "required with a Spanish question: the answer in Spanish")
    if text["id"] and not all(c.isalnum() or c in "-_" for c in text["id"]):
        problems["id"] = "letters, digits, '-' and '_' only"
    dates = {name: _date(text[name], name, problems) for name in ("valid_from", "valid_until")}
    if dates["valid_from"] and dates["valid_until"] and dates["valid_until"] < dates["valid_from"]:
        problems["valid_until"] = "must not be before valid_from"
    if problems:
        raise ArticleError(problems)
    return ArticleDraft(text["id"], text["question"], text["answer"], text["department"] or None,
                        text["keywords"], dates["valid_from"], dates["valid_until"],
                        text["question_es"] or None, text["answer_es"] or None, text["keywords_es"] or None)


def _text(value):
    """A field's text; a list (keywords in YAML) joined with commas."""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(item).strip() for item in value)
    return str(value or "").strip()


def _date(text, name, problems):
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems[name] = "a date as YYYY-MM-DD"
        return None


def load_articles_file(path):
    """The drafts in a knowledge.yaml; ArticleError with `file: article N` for the first bad one."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    drafts = []
    for index, entry in enumerate(data.get("articles") or []):
        unknown = set(entry) - _KEYS - {"translations"}
        try:
            if unknown:
                raise ArticleError({k: "unknown key" for k in sorted(unknown)})
            flat, problems = translated_fields(entry)
            if problems:
                raise ArticleError(problems)
            drafts.append(check_article(flat))
        except ArticleError as exc:
            raise ArticleError({f"{path}: articles[{index}]": str(exc)}) from None
    slugs = [d.slug for d in drafts]
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        raise ArticleError({str(path): f"duplicate ids {', '.join(duplicates)}"})
    return drafts


def seed(session, drafts, sample):
    """Add the drafts whose id is not stored yet; staff edits of stored articles are kept. Returns the count."""
    known = set(session.execute(select(KnowledgeArticle.slug)).scalars())
    new = [d for d in drafts if d.slug not in known]
    for draft in new:
        session.add(KnowledgeArticle(**_columns(draft), sample=sample, updated_at=_now(), updated_by=None))
    return len(new)


def save(session, draft, staff, slug=None):
    """Create (slug None) or update the article `slug` from a staff form; returns it."""
    article = by_slug(session, slug) if slug else None
    taken = by_slug(session, draft.slug)
    if taken is not None and taken is not article:
        raise ArticleError({"id": f"{draft.slug} is already used by another article"})
    if article is None:
        article = KnowledgeArticle(sample=False)
        session.add(article)
    for name, value in _columns(draft).items():
        setattr(article, name, value)
    article.updated_at, article.updated_by = _now(), staff
    session.flush()
    return article


def by_slug(session, slug):
    return session.execute(select(KnowledgeArticle).where(KnowledgeArticle.slug == slug)).scalar_one_or_none()


def all_articles(session):
    return session.execute(select(KnowledgeArticle).order_by(KnowledgeArticle.question)).scalars().all()


def current(article, today):
    """True when the article applies on `today` (seasonal items and events have dates)."""
    return (article.valid_from is None or article.valid_from <= today) and \
        (article.valid_until is None or today <= article.valid_until)


def _columns(draft):
    return {"slug": draft.slug, "question": draft.question, "answer": draft.answer,
            "department": draft.department, "keywords": draft.keywords,
            "valid_from": draft.valid_from, "valid_until": draft.valid_until,
            "question_es": draft.question_es, "answer_es": draft.answer_es, "keywords_es": draft.keywords_es}


def _now():
    return datetime.now(timezone.utc)
