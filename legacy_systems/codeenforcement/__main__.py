"""``python -m legacy_systems.codeenforcement --port 9006 --data-dir var/legacy/codeenforcement [--webhook-url URL]``"""
from legacy_systems.common.server import run_simulator

from .api import add_arguments, build_protocol

if __name__ == "__main__":
    run_simulator("legacy_systems.codeenforcement", build_protocol, add_arguments)
