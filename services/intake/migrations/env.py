"""Alembic environment of the intake service."""
import services.intake.channels.models  # noqa: F401  (registers the channel message and reply tables on Base)
import services.intake.knowledge.models  # noqa: F401  (registers the knowledge tables on Base)
import services.intake.web.models  # noqa: F401  (registers staff and follower tables on Base)
from services.intake.models import Base
from shared.persistence.alembic_env import run_migrations

run_migrations(Base.metadata)
