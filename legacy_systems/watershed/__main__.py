"""``python -m legacy_systems.watershed --port 9002 --data-dir var/legacy/watershed [--crew-speed fast|demo]``"""
from legacy_systems.common.server import run_simulator

from .endpoint import build_protocol

if __name__ == "__main__":
    run_simulator("legacy_systems.watershed", build_protocol)
