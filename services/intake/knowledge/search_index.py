"""The full-text index over knowledge articles, one per database dialect.

The index is derived data: rebuilt from `knowledge_articles` whenever it is
ensured, and kept current by the database itself (SQLite triggers; PostgreSQL
indexes an expression). It is created here, idempotently at start-up, rather
than in the Alembic migration, because autogenerate cannot express an FTS5
virtual table and the initial migration is regenerated from the models.
"""
from sqlalchemy import text

# Weights: a match in the question counts most, then the keywords, then the answer.
POSTGRES_DOCUMENT = ("setweight(to_tsvector('english', coalesce(question, '')), 'A') || "
                     "setweight(to_tsvector('english', coalesce(keywords, '')), 'B') || "
                     "setweight(to_tsvector('english', coalesce(answer, '')), 'C')")

_SQLITE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS knowledge_fts USING fts5(question, keywords, answer, "
    "content='knowledge_articles', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS knowledge_fts_insert AFTER INSERT ON knowledge_articles BEGIN "
    "INSERT INTO knowledge_fts(rowid, question, keywords, answer) "
    "VALUES (new.id, new.question, new.keywords, new.answer); END",
    "CREATE TRIGGER IF NOT EXISTS knowledge_fts_delete AFTER DELETE ON knowledge_articles BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, question, keywords, answer) "
    "VALUES ('delete', old.id, old.question, old.keywords, old.answer); END",
    "CREATE TRIGGER IF NOT EXISTS knowledge_fts_update AFTER UPDATE ON knowledge_articles BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, question, keywords, answer) "
    "VALUES ('delete', old.id, old.question, old.keywords, old.answer); "
    "INSERT INTO knowledge_fts(rowid, question, keywords, answer) "
    "VALUES (new.id, new.question, new.keywords, new.answer); END",
    "INSERT INTO knowledge_fts(knowledge_fts) VALUES ('rebuild')",
]
_POSTGRES = [f"CREATE INDEX IF NOT EXISTS ix_knowledge_articles_fulltext ON knowledge_articles "
             f"USING gin (({POSTGRES_DOCUMENT}))"]


def ensure_search_index(connection):
    """Create (if missing) and rebuild the full-text index on this connection's database."""
    statements = _SQLITE if connection.dialect.name == "sqlite" else _POSTGRES
    for statement in statements:
        connection.execute(text(statement))
