"""The Transportation message interface: two loops over its own queues, no HTTP protocol."""
import argparse
import logging
import os
import random

from legacy_systems.common.periodic import PeriodicTask
from legacy_systems.common.server import Protocol, SimulatorContext

from .broker import DepartmentQueues
from .order_desk import OrderDesk
from .sync_publisher import SyncPublisher


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Transportation-only command-line options."""
    parser.add_argument("--amqp-uri", default=os.environ.get("TRANSPORTATION_AMQP_URI"),
                        help="the department's broker and vhost (default from system.yaml)")


def build_protocol(context: SimulatorContext) -> Protocol:
    """The order desk and the sync publisher, each with its own broker connection."""
    logging.getLogger("pika").setLevel(logging.CRITICAL)  # broker trouble is logged once per outage by the task
    uri = context.args.amqp_uri or context.config["amqp_uri"]
    schedule = context.config["schedule"][context.args.crew_speed]
    desk = OrderDesk(context, DepartmentQueues(uri, context.config["queues"]))
    publisher = SyncPublisher(context, DepartmentQueues(uri, context.config["queues"]),
                              random.Random(context.args.seed))
    return Protocol(tasks=[PeriodicTask("desk", schedule["inbound_seconds"], desk.work),
                           PeriodicTask("sync", schedule["sync_seconds"], publisher.publish)])

