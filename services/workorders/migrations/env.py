"""Alembic environment of the workorders service."""
from services.workorders.models import Base
from shared.persistence.alembic_env import run_migrations

run_migrations(Base.metadata)
