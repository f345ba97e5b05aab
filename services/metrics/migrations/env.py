"""Alembic environment of the metrics service."""
from services.metrics.models import Base
from shared.persistence.alembic_env import run_migrations

run_migrations(Base.metadata)
