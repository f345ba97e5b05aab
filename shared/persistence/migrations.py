"""Run each service's Alembic migrations: `python -m shared.persistence.migrations [service ...]`."""
import sys

from alembic import command
from alembic.config import Config

from shared.config import PROJECT_ROOT, SERVICES, load_service_config


def alembic_config(service_name, database_url):
    cfg = Config()
    cfg.set_main_option("script_location", str(PROJECT_ROOT / "services" / service_name / "migrations"))
    cfg.attributes["url"] = database_url  # not through ini options: '%' in passwords
    return cfg


def upgrade(service_name, database_url):
    """Bring the service's database to the newest revision."""
    command.upgrade(alembic_config(service_name, database_url), "head")


def main(argv):
    for service_name in argv or SERVICES:
        url = load_service_config(service_name)["DATABASE_URL"]
        upgrade(service_name, url)
        print(f"migrated {service_name}")


if __name__ == "__main__":
    main(sys.argv[1:])
