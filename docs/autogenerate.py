"""Regenerate a service's initial Alembic migration from its models: python docs/autogenerate.py <service>."""
import sys
import tempfile

from alembic import command

from shared.persistence.migrations import alembic_config

service = sys.argv[1]
cfg = alembic_config(service, f"sqlite:///{tempfile.mkdtemp()}/empty.sqlite")
command.revision(cfg, message="initial schema", autogenerate=True, rev_id=f"{service}_0001")
