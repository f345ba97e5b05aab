"""Service configuration: nameko YAML under deploy/config/, `${VAR:default}` from the environment."""
import os
from pathlib import Path

from nameko.cli.utils.config import load_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "deploy" / "config"
SERVICES = ("intake", "routing", "workorders", "notifications", "metrics")


def config_path(service_name):
    return CONFIG_DIR / f"{service_name}.yaml"


def load_service_config(service_name):
    """The service's YAML with environment variables substituted, as nameko itself reads it."""
    with open(config_path(service_name)) as handle:
        return load_config(handle)


def project_path(path):
    """Resolve a configured path: absolute as given, relative against the project root."""
    path = Path(os.path.expanduser(str(path)))
    return path if path.is_absolute() else PROJECT_ROOT / path
