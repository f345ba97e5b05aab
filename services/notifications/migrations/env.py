"""Alembic environment of the notifications service."""
from services.notifications.models import Base
from shared.persistence.alembic_env import run_migrations

run_migrations(Base.metadata)
