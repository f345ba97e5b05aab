"""``python -m legacy_systems.solidwaste --port 9003 --data-dir var/legacy/solidwaste [--crew-speed fast|demo]``"""
from legacy_systems.common.server import run_simulator

from .batch_interface import add_arguments, build_protocol

if __name__ == "__main__":
    run_simulator("legacy_systems.solidwaste", build_protocol, add_arguments)
