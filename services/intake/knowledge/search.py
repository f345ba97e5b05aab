"""Knowledge search: the database's ranked full-text search, forgiving of typos and word forms.

Word forms (pickup/pickups, recycle/recycling) are the database's stemmers'
job (SQLite FTS5 porter, PostgreSQL `english`, and `spanish` for the Spanish
texts); typos are corrected here first, against the words the articles use in
both languages, so "libary hours" finds the library and "biblioteka" la biblioteca.
"""
import difflib
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, select, text

from services.intake.knowledge.models import KnowledgeArticle
from services.intake.knowledge.search_index import POSTGRES_DOCUMENT

MAX_TERMS = 12
TYPO_CUTOFF = 0.75
_WORD = re.compile(r"[^\W_]+")
STOP_WORDS = frozenset(
    "a an and are as at be by can do does for from how i in is it me my of on or our the there this to "
    "what when where which who why will with you your get got have has need want about please "
    "el la los las de del y en que como donde cuando es un una por para mi".split())


@dataclass(frozen=True)
class SearchResult:
    """Articles best first, and the query as searched when a typo was corrected (else None)."""
    articles: list
    corrected: str | None = None


def terms(query):
    """The searchable words of a query: lower-case, accents folded, stop words dropped."""
    folded = unicodedata.normalize("NFKD", query.lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    words = [w for w in _WORD.findall(plain) if w not in STOP_WORDS]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def search(session, query, today, limit=10):
    """Current articles (valid on `today`) matching `query`, best first."""
    words = terms(query)
    if not words:
        return SearchResult([])
    known = vocabulary(session)
    fixed = list(dict.fromkeys(correct(word, known) for word in words))
    ids = _RANKERS[session.get_bind().dialect.name](session, fixed, today, limit * 3)
    found = {a.id: a for a in session.execute(select(KnowledgeArticle).where(KnowledgeArticle.id.in_(ids))).scalars()}
    ranked = _rerank(query, [found[i] for i in ids if i in found])
    return SearchResult(ranked[:limit], " ".join(fixed) if fixed != words else None)


def _rerank(query, ranked):
    """Blend the database's order with how closely each question reads like the caller's words.

    Full-text ranking ignores stop words, so "what is boomsday" cannot tell the
    article "What is Boomsday?" from "Which streets close for Boomsday?".
    """
    asked = " ".join(_WORD.findall(query.lower()))

    def likeness(question):
        said = " ".join(_WORD.findall((question or "").lower()))
        return difflib.SequenceMatcher(None, asked, said).ratio() if said else 0.0

    def score(item):
        position, article = item
        return 1 / (1 + position) + 2 * max(likeness(article.question), likeness(article.question_es))
    return [article for _, article in sorted(enumerate(ranked), key=score, reverse=True)]


@dataclass(frozen=True)
class Vocabulary:
    words: tuple
    stems: frozenset


_cache = {}


def vocabulary(session):
    """Every word the articles use, cached until an article changes."""
    signature = (str(session.get_bind().url), *session.execute(
        select(func.count(KnowledgeArticle.id), func.max(KnowledgeArticle.updated_at))).one())
    if signature not in _cache:
        rows = session.execute(select(KnowledgeArticle.question, KnowledgeArticle.keywords, KnowledgeArticle.answer,
                                      KnowledgeArticle.question_es, KnowledgeArticle.keywords_es,
                                      KnowledgeArticle.answer_es))
        words = sorted({w for row in rows for field in row for w in terms(field or "")})
        _cache.clear()
        _cache[signature] = Vocabulary(tuple(words), frozenset(_stem(w) for w in words))
    return _cache[signature]


def correct(word, known):
    """`word`, or the closest word the articles use when `word` looks like a typo."""
    if word.isdigit() or _stem(word) in known.stems or (len(word) >= 4 and any(w.startswith(word) for w in known.words)):
        return word
    close = difflib.get_close_matches(word, known.words, n=1, cutoff=TYPO_CUTOFF)
    return close[0] if close else word


def _stem(word):
    for suffix in ("ing", "ies", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _sqlite_ranked(session, words, today, limit):
    match = " OR ".join(f'"{w}"*' if len(w) >= 4 else f'"{w}"' for w in words)
    return session.execute(text(
        "SELECT a.id FROM knowledge_fts JOIN knowledge_articles a ON a.id = knowledge_fts.rowid "
        "WHERE knowledge_fts MATCH :match "
        "AND (a.valid_from IS NULL OR a.valid_from <= :today) AND (a.valid_until IS NULL OR a.valid_until >= :today) "
        "ORDER BY bm25(knowledge_fts, 5.0, 3.0, 1.0, 5.0, 3.0, 1.0) LIMIT :limit"),
        {"match": match, "today": today.isoformat(), "limit": limit}).scalars().all()


def _postgres_ranked(session, words, today, limit):
    query = " | ".join(f"{w}:*" if len(w) >= 4 else w for w in words)
    # The caller's words stemmed as English and as Spanish: each matches its language's part of the document.
    return session.execute(text(
        f"SELECT id FROM knowledge_articles, "
        f"(SELECT to_tsquery('english', :query) || to_tsquery('spanish', :query) AS q) AS asked "
        f"WHERE ({POSTGRES_DOCUMENT}) @@ q "
        f"AND (valid_from IS NULL OR valid_from <= :today) AND (valid_until IS NULL OR valid_until >= :today) "
        f"ORDER BY ts_rank({POSTGRES_DOCUMENT}, q) DESC, id LIMIT :limit"),
        {"query": query, "today": today, "limit": limit}).scalars().all()


_RANKERS = {"sqlite": _sqlite_ranked, "postgresql": _postgres_ranked}
