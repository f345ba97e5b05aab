"""Alembic environment of the routing service."""
from services.routing.models import Base
from shared.persistence.alembic_env import run_migrations

run_migrations(Base.metadata)
