"""Declare every service's queues before any service publishes.

Each service declares its own queues when it starts; on a first-ever start a
producer could publish before a consumer has bound its queue, and that event
would reach only the consumers already there. `make run` and the tests run
this first:

    python -m shared.messaging.declare           # all services, AMQP_URI from their config
    python -m shared.messaging.declare routing   # one service

A work queue an earlier version declared with other arguments is migrated here, its messages
kept (see shared/messaging/topology.py).
"""
import argparse
import importlib
import sys

from kombu import Connection
from nameko import config

from shared.config import SERVICES, load_service_config
from shared.messaging.entrypoints import ReliableEventHandler, handler_queues
from shared.messaging.topology import declare


def handlers_of(service_cls):
    """(source_service, event_type, method_name) of every reliable event handler of a nameko service class."""
    for attribute in dir(service_cls):
        method = getattr(service_cls, attribute)
        for entrypoint in getattr(method, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ReliableEventHandler):
                yield entrypoint.source_service, entrypoint.event_type, attribute


def service_class(service_name):
    module = importlib.import_module(f"services.{service_name}.service")
    return next(obj for obj in vars(module).values()
                if isinstance(obj, type) and getattr(obj, "name", None) == service_name)


def declare_service(service_name):
    """Declare the work, delay and dead-letter queues of one service; return how many handlers."""
    settings = load_service_config(service_name)
    count = 0
    with config.patch(settings, clear=True), Connection(settings["AMQP_URI"], connect_timeout=15) as connection:
        for source, event_type, method in handlers_of(service_class(service_name)):
            declare(connection, handler_queues(service_name, source, event_type, method)[1])
            count += 1
    return count


def main(argv):
    parser = argparse.ArgumentParser(
        prog="python -m shared.messaging.declare",
        description="Declare the work, delay and dead-letter queues of each service (AMQP_URI from "
                    "deploy/config/<service>.yaml and the environment), migrating queues an earlier "
                    "version declared with other arguments.")
    parser.add_argument("services", nargs="*", metavar="service",
                        help=f"services to declare (default: all of {', '.join(SERVICES)})")
    chosen = parser.parse_args(argv).services
    unknown = sorted(set(chosen) - set(SERVICES))
    if unknown:
        parser.error(f"no such service: {', '.join(unknown)} (services: {', '.join(SERVICES)})")
    for service_name in chosen or SERVICES:
        print(f"declared queues of {declare_service(service_name)} handlers of {service_name}")


if __name__ == "__main__":
    main(sys.argv[1:])
