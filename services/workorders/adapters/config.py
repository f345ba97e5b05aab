"""Reads a system's ``deploy/workorder_systems/<name>.yaml`` with environment and caller overrides.

Precedence, lowest first: the YAML file, ``${VAR:default}`` placeholders in it
(resolved from the environment), then the ``settings`` the caller passes.
"""
import os
import re
from pathlib import Path

import yaml

DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[3] / "deploy" / "workorder_systems"
PLACEHOLDER = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<default>[^}]*))?\}")


def load_system_config(system_name: str, settings: dict | None = None) -> dict:
    """The merged configuration of one system.

    ``settings["config_dir"]`` (or WORKORDER_SYSTEMS_CONFIG_DIR) points at another folder of YAML files.
    """
    settings = dict(settings or {})
    folder = Path(settings.pop("config_dir", None) or os.environ.get("WORKORDER_SYSTEMS_CONFIG_DIR")
                  or DEFAULT_CONFIG_DIR)
    path = folder / f"{system_name}.yaml"
    if not path.is_file():
        raise ValueError(f"no configuration for work-order system {system_name!r} at {path}")
    return merged(substitute_environment(yaml.safe_load(path.read_text())), settings)


def substitute_environment(value):
    """Replace ``${VAR}`` / ``${VAR:default}`` in every string of a YAML document."""
    if isinstance(value, dict):
        return {key: substitute_environment(item) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute_environment(item) for item in value]
    if isinstance(value, str):
        return PLACEHOLDER.sub(_environment_value, value)
    return value


def merged(base: dict, overrides: dict) -> dict:
    """``base`` with ``overrides`` laid over it; nested mappings merge key by key."""
    result = dict(base)
    for key, value in overrides.items():
        result[key] = merged(result[key], value) if isinstance(value, dict) and isinstance(result.get(key), dict) \
            else value
    return result


def _environment_value(match: re.Match) -> str:
    name, default = match.group("name"), match.group("default")
    if name in os.environ:
        return os.environ[name]
    if default is None:
        raise ValueError(f"environment variable {name} is not set and has no default")
    return default
