"""Write a service's next Alembic migration from its models: python docs/autogenerate.py <service> "<what changed>".

The new revision is compared against a scratch database migrated to the current head; review it before
committing (tests/integration/test_migrations_match_models.py checks that migrations and models agree).
"""
import sys
import tempfile

from alembic import command
from alembic.script import ScriptDirectory

from shared.persistence.migrations import alembic_config

service, message = sys.argv[1], sys.argv[2]
cfg = alembic_config(service, f"sqlite:///{tempfile.mkdtemp()}/scratch.sqlite")
command.upgrade(cfg, "head")
numbers = [int(head.rsplit("_", 1)[1]) for head in ScriptDirectory.from_config(cfg).get_heads()]
command.revision(cfg, message=message, autogenerate=True, rev_id=f"{service}_{max(numbers, default=0) + 1:04d}")
