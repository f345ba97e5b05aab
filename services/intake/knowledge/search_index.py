"""The full-text index over knowledge articles, one per database dialect.

The index is derived data: rebuilt from `knowledge_articles` whenever it is
ensured, and kept current by the database itself (SQLite triggers; PostgreSQL
indexes an expression). It is created here, idempotently at start-up, rather
than in the Alembic migration, because autogenerate cannot express an FTS5
virtual table and the initial migration is regenerated from the models.

It covers the English texts and the Spanish ones (question_es, keywords_es,
answer_es), so a call-taker finds an article by the words of a Spanish-speaking
caller. An index built before the Spanish columns existed is replaced.
"""
from sqlalchemy import text

COLUMNS = ("question", "keywords", "answer", "question_es", "keywords_es", "answer_es")
# Accents folded in the Spanish document as the search folds them in the query (PostgreSQL has no
# unaccent without an extension; translate() is immutable, so it can sit in an index expression).
_ACCENTS = "translate(coalesce({column}, ''), 'áéíóúüñÁÉÍÓÚÜÑ', 'aeiouunAEIOUUN')"
# Weights: a match in the question counts most, then the keywords, then the answer.
POSTGRES_DOCUMENT = ("setweight(to_tsvector('english', coalesce(question, '')), 'A') || "
                     "setweight(to_tsvector('english', coalesce(keywords, '')), 'B') || "
                     "setweight(to_tsvector('english', coalesce(answer, '')), 'C') || "
                     f"setweight(to_tsvector('spanish', {_ACCENTS.format(column='question_es')}), 'A') || "
                     f"setweight(to_tsvector('spanish', {_ACCENTS.format(column='keywords_es')}), 'B') || "
                     f"setweight(to_tsvector('spanish', {_ACCENTS.format(column='answer_es')}), 'C')")

_NAMES = ", ".join(COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in COLUMNS)
_SQLITE_TRIGGERS = ("knowledge_fts_insert", "knowledge_fts_delete", "knowledge_fts_update")
_SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_fts USING fts5({_NAMES}, "
    "content='knowledge_articles', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_fts_insert AFTER INSERT ON knowledge_articles BEGIN "
    f"INSERT INTO knowledge_fts(rowid, {_NAMES}) VALUES (new.id, {_NEW}); END",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_fts_delete AFTER DELETE ON knowledge_articles BEGIN "
    f"INSERT INTO knowledge_fts(knowledge_fts, rowid, {_NAMES}) VALUES ('delete', old.id, {_OLD}); END",
    f"CREATE TRIGGER IF NOT EXISTS knowledge_fts_update AFTER UPDATE ON knowledge_articles BEGIN "
    f"INSERT INTO knowledge_fts(knowledge_fts, rowid, {_NAMES}) VALUES ('delete', old.id, {_OLD}); "
    f"INSERT INTO knowledge_fts(rowid, {_NAMES}) VALUES (new.id, {_NEW}); END",
    "INSERT INTO knowledge_fts(knowledge_fts) VALUES ('rebuild')",
]
_POSTGRES = ["DROP INDEX IF EXISTS ix_knowledge_articles_fulltext",    # English only, before the Spanish columns
             f"CREATE INDEX IF NOT EXISTS ix_knowledge_articles_fulltext_en_es ON knowledge_articles "
             f"USING gin (({POSTGRES_DOCUMENT}))"]


def ensure_search_index(connection):
    """Create (if missing, or replace if outdated) and rebuild the full-text index on this connection's database."""
    if connection.dialect.name == "sqlite":
        _drop_outdated_sqlite_index(connection)
        statements = _SQLITE
    else:
        statements = _POSTGRES
    for statement in statements:
        connection.execute(text(statement))


def _drop_outdated_sqlite_index(connection):
    """Drop an FTS table (and its triggers) that does not index every column in COLUMNS."""
    indexed = [row[1] for row in connection.execute(text("PRAGMA table_info(knowledge_fts)"))]
    if indexed and tuple(indexed) != COLUMNS:
        for trigger in _SQLITE_TRIGGERS:
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        connection.execute(text("DROP TABLE knowledge_fts"))
