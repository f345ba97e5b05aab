"""Reading jurisdiction data files so that every problem names its file and line."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml


class ConfigurationError(ValueError):
    """A jurisdiction data file is wrong; the message reads `file:line: problem`."""

    def __init__(self, path: Path | str, line: int | None, problem: str):
        self.path, self.line, self.problem = Path(path), line, problem
        where = f"{self.path}:{line}" if line else str(self.path)
        super().__init__(f"{where}: {problem}")


class Entry:
    """One mapping of a data file, remembering where it and each of its keys stand."""

    def __init__(self, path: Path, line: int, values: dict, key_lines: dict):
        self.path, self.line, self.values, self.key_lines = path, line, values, key_lines

    def line_of(self, key: str) -> int:
        """The line of `key`, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)

    def fail(self, problem: str, key: str | None = None):
        """Raise ConfigurationError at the line of `key` (or of the mapping)."""
        raise ConfigurationError(self.path, self.line_of(key) if key else self.line, problem)

    def only(self, *allowed: str) -> Entry:
        """Reject keys this mapping does not know (usually typos); returns self."""
        for key in self.values:
            if key not in allowed:
                self.fail(f"unknown key '{key}' (expected {', '.join(allowed)})", key)
        return self

    def get(self, key: str, default: Any = None) -> Any:
        """The raw value of `key`, unchecked."""
        return self.values.get(key, default)

    def require(self, key: str, kind: type | tuple = str) -> Any:
        """The value of a mandatory key, checked against `kind`."""
        if self.values.get(key) is None:
            self.fail(f"missing required key '{key}'", key)
        return self.typed(key, kind)

    def optional(self, key: str, kind: type | tuple, default: Any = None) -> Any:
        """The value of a key that may be absent (then `default`), checked against `kind`."""
        return default if self.values.get(key) is None else self.typed(key, kind)

    def typed(self, key: str, kind: type | tuple) -> Any:
        """The value of a present key, checked against `kind` (booleans only if asked for)."""
        value = self.values[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            self.fail(f"'{key}' is {value!r}, read as a boolean; quote it if you mean text", key)
        if not isinstance(value, kinds):
            self.fail(f"'{key}' must be {_describe(kinds)}, got {_describe((type(value),))}", key)
        return value

    def entries(self, key: str, required: bool = True) -> list[Entry]:
        """The list of mappings under `key`."""
        items = self.require(key, list) if required else self.optional(key, list, [])
        for item in items:
            if not isinstance(item, Entry):
                self.fail(f"every item of '{key}' must be a mapping", key)
        return items


def _describe(kinds: tuple) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false",
             list: "a list", Entry: "a mapping", dt.date: "a date", type(None): "empty"}
    return " or ".join(names.get(kind, kind.__name__) for kind in kinds)


def load_yaml(path: Path) -> Entry:
    """Parse a YAML (or JSON) file whose top level is a mapping, keeping line numbers."""
    try:
        with open(path, encoding="utf-8") as stream:
            loader = (_GEOJSON_LOADER if path.suffix == ".geojson" else _YAML_LOADER)(stream)
            loader.path = path
            try:
                document = loader.get_single_data()
            finally:
                loader.dispose()
    except FileNotFoundError:
        raise ConfigurationError(path, None, "file is missing") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise ConfigurationError(path, mark.line + 1 if mark else None,
                                 f"not valid YAML: {error.problem or error.context}") from None
    if not isinstance(document, Entry):
        raise ConfigurationError(path, 1, "the top level must be a mapping")
    return document


def _construct_entry(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Entry:
    values, key_lines = {}, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in values:
            raise ConfigurationError(loader.path, line, f"duplicate key '{key}'")
        values[key] = loader.construct_object(value_node, deep=True)
        key_lines[key] = line
    return Entry(loader.path, node.start_mark.line + 1, values, key_lines)


def _line_loader(base: type) -> type:
    """A safe loader whose mappings are `Entry` objects that know their lines."""
    loader = type(f"Line{base.__name__}", (base,), {})
    loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_entry)
    return loader


# YAML files are read with PyYAML's pure-Python parser, as other services read them
# (libyaml accepts some flow-style text that it rejects). GeoJSON is JSON, which both
# parse alike, so the faster libyaml parser is used when present.
_YAML_LOADER = _line_loader(yaml.SafeLoader)
_GEOJSON_LOADER = _line_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
