"""``python -m legacy_systems.transportation --port 9005 --data-dir var/legacy/transportation [--amqp-uri URI]``"""
from legacy_systems.common.server import run_simulator

from .message_interface import add_arguments, build_protocol

if __name__ == "__main__":
    run_simulator("legacy_systems.transportation", build_protocol, add_arguments)
