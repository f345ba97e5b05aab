"""Run each service's Alembic migrations: `python -m shared.persistence.migrations [service ...]`."""
import argparse
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
    parser = argparse.ArgumentParser(
        prog="python -m shared.persistence.migrations",
        description="Bring each service's database (its DATABASE_URL, from deploy/config/<service>.yaml and the "
                    "environment) to the newest Alembic revision.")
    parser.add_argument("services", nargs="*", metavar="service",
                        help=f"services to migrate (default: all of {', '.join(SERVICES)})")
    chosen = parser.parse_args(argv).services
    unknown = sorted(set(chosen) - set(SERVICES))
    if unknown:
        parser.error(f"no such service: {', '.join(unknown)} (services: {', '.join(SERVICES)})")
    for service_name in chosen or SERVICES:
        url = load_service_config(service_name)["DATABASE_URL"]
        upgrade(service_name, url)
        print(f"migrated {service_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
