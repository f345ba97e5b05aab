"""``python -m legacy_systems.streets --port 9001 --data-dir var/legacy/streets [--crew-speed fast|demo]``"""
from legacy_systems.common.server import run_simulator

from .api import add_arguments, build_protocol

if __name__ == "__main__":
    run_simulator("legacy_systems.streets", build_protocol, add_arguments)
