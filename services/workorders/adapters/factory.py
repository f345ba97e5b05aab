"""Builds the client for a department system from its configuration."""
import importlib

from .base import WorkOrderSystemClient
from .config import load_system_config


def build_client(system_name: str, settings: dict | None = None) -> WorkOrderSystemClient:
    """The client for ``system_name`` ("streets", "watershed", "solidwaste", ...).

    Reads ``deploy/workorder_systems/<system_name>.yaml``; its ``adapter`` key
    names the adapter module, whose ``from_config`` builds the client.
    ``settings`` override the file (see config.load_system_config).
    """
    config = load_system_config(system_name, settings)
    module = importlib.import_module(f"{__package__}.{config['adapter']}")
    return module.from_config(system_name, config)
