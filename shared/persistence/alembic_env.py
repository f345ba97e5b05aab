"""The body of every service's Alembic env.py: one place that knows how we migrate."""
from alembic import context

from shared.persistence.engine import make_engine
from shared.persistence.tables import metadata as messaging_metadata


def run_migrations(service_metadata):
    """Migrate the service's tables together with its outbox and inbox."""
    url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
    target = [service_metadata, messaging_metadata]
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target,
                          render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
