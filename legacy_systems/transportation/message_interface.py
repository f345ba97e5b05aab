"""The Transportation message interface: two loops over its own queues, no HTTP protocol."""
import argparse
import logging
import os
import random

from legacy_systems.common.periodic import PeriodicTask
from legacy_systems.common.server import Protocol, SimulatorContext

from .broker import BrokerUnavailable, DepartmentQueues
from .order_desk import OrderDesk
from .sync_publisher import SyncPublisher

log = logging.getLogger("broker")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Transportation-only command-line options."""
    parser.add_argument("--amqp-uri", default=os.environ.get("TRANSPORTATION_AMQP_URI"),
                        help="the department's broker and vhost (default from system.yaml)")


def build_protocol(context: SimulatorContext) -> Protocol:
    """The order desk and the sync publisher, each with its own broker connection."""
    uri = context.args.amqp_uri or context.config["amqp_uri"]
    schedule = context.config["schedule"][context.args.crew_speed]
    desk = OrderDesk(context, DepartmentQueues(uri, context.config["queues"]))
    publisher = SyncPublisher(context, DepartmentQueues(uri, context.config["queues"]),
                              random.Random(context.args.seed))
    return Protocol(tasks=[PeriodicTask("desk", schedule["inbound_seconds"], QuietWhileBrokerDown("desk", desk.work)),
                           PeriodicTask("sync", schedule["sync_seconds"],
                                        QuietWhileBrokerDown("sync", publisher.publish))])


class QuietWhileBrokerDown:
    """A loop's action that logs broker trouble once per outage instead of on every run."""

    def __init__(self, name: str, action):
        self._name = name
        self._action = action
        self._failing = False

    def __call__(self) -> None:
        try:
            self._action()
        except BrokerUnavailable as error:
            if not self._failing:
                log.warning("%s: broker unavailable (%s); trying again every run", self._name, error)
            self._failing = True
            return
        if self._failing:
            log.info("%s: broker reachable again", self._name)
        self._failing = False
