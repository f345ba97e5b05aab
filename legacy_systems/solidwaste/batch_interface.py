"""The Solid Waste file interface: the pickup and status-publishing loops, no HTTP protocol."""
import argparse
import random

from legacy_systems.common.periodic import PeriodicTask
from legacy_systems.common.server import Protocol, SimulatorContext

from .folders import Folders
from .inbound import InboundPickup
from .status_files import StatusPublisher


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Solid-Waste-only command-line options (defaults from system.yaml per crew speed)."""
    parser.add_argument("--pickup-seconds", type=float, default=None, help="how often inbound/ is read")
    parser.add_argument("--publish-seconds", type=float, default=None, help="how often a status file is written")


def build_protocol(context: SimulatorContext) -> Protocol:
    """Two loops over the folders under the data dir."""
    schedule = dict(context.config["schedule"][context.args.crew_speed])
    schedule["pickup_seconds"] = context.args.pickup_seconds or schedule["pickup_seconds"]
    schedule["publish_seconds"] = context.args.publish_seconds or schedule["publish_seconds"]
    folders = Folders.under(context.args.data_dir)
    pickup = InboundPickup(context, folders)
    publisher = StatusPublisher(context, folders, schedule, random.Random(context.args.seed))
    return Protocol(tasks=[PeriodicTask("pickup", schedule["pickup_seconds"], pickup.pick_up),
                           PeriodicTask("status", schedule["publish_seconds"], publisher.publish)])
