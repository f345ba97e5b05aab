"""The Forestry table interface: one periodic job over the interface tables, no HTTP protocol."""
import argparse
import os
import random

from legacy_systems.common.periodic import PeriodicTask
from legacy_systems.common.server import Protocol, SimulatorContext

from .interface_job import InterfaceJob
from .interface_tables import open_database


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Forestry-only command-line options."""
    parser.add_argument("--database-url", default=os.environ.get("FORESTRY_DATABASE_URL"),
                        help="SQLAlchemy URL of the interface tables (default: a SQLite file in the data dir; "
                             "e.g. mysql+pymysql://root@127.0.0.1:3306/forestry)")
    parser.add_argument("--job-seconds", type=float, default=None, help="how often the interface job runs")


def build_protocol(context: SimulatorContext) -> Protocol:
    """The interface job, run every ``job_seconds``."""
    url = context.args.database_url or f"sqlite:///{context.args.data_dir / context.config['database_file']}"
    job = InterfaceJob(context, open_database(url), random.Random(context.args.seed))
    seconds = context.args.job_seconds or context.config["schedule"][context.args.crew_speed]["job_seconds"]
    return Protocol(tasks=[PeriodicTask("interface-job", seconds, job.run)])
