"""``python -m legacy_systems.forestry --port 9004 --data-dir var/legacy/forestry [--crew-speed fast|demo]``"""
from legacy_systems.common.server import run_simulator

from .table_interface import add_arguments, build_protocol

if __name__ == "__main__":
    run_simulator("legacy_systems.forestry", build_protocol, add_arguments)
