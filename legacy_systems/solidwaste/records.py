"""Fixed-width records of the Solid Waste files, driven by ``record_layouts.yaml``."""
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

FORMAT_ERROR, REQUIRED_MISSING, LENGTH_ERROR, UNKNOWN_RECORD = "E03", "E04", "E01", "E02"


class RecordError(Exception):
    """A line that does not fit its layout; carries the field and the system's error code."""

    def __init__(self, field: str, code: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Field:
    """One fixed-width field: 1-based start column, width, kind, and whether it may be blank."""

    name: str
    start: int
    width: int
    kind: str
    required: bool

    def encode(self, value) -> str:
        """The value as exactly ``width`` characters."""
        if value is None or value == "":
            return " " * self.width
        if self.kind == "number":
            return f"{int(value):0{self.width}d}"
        if self.kind == "coordinate":
            return f"{float(value):+0{self.width}.6f}"
        if self.kind in ("timestamp", "timestamp_ms"):
            text = value.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
            return text + (f"{value.microsecond // 1000:03d}" if self.kind == "timestamp_ms" else "")
        return str(value)[: self.width].ljust(self.width)

    def decode(self, line: str):
        """The field's value from a whole line; RecordError when it does not parse."""
        raw = line[self.start - 1: self.start - 1 + self.width].strip()
        if not raw:
            if self.required:
                raise RecordError(self.name.upper(), REQUIRED_MISSING, "REQUIRED FIELD IS BLANK")
            return None
        try:
            return self._parse(raw)
        except ValueError:
            raise RecordError(self.name.upper(), FORMAT_ERROR, f"INVALID {self.kind.upper()} '{raw}'") from None

    def _parse(self, raw: str):
        if self.kind == "number":
            if not raw.isdigit():
                raise ValueError(raw)
            return int(raw)
        if self.kind == "coordinate":
            return float(raw)
        if self.kind == "timestamp":
            return datetime.strptime(raw, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
        if self.kind == "timestamp_ms":
            if len(raw) != 17 or not raw.isdigit():
                raise ValueError(raw)
            moment = datetime.strptime(raw[:14], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
            return moment.replace(microsecond=int(raw[14:]) * 1000)
        return raw


class FileLayout:
    """The record types of one kind of file."""

    def __init__(self, spec: dict):
        self.length = spec["length"]
        self.records = {record_type: [Field(name, start, width, kind, "required" in flags)
                                      for name, start, width, kind, *flags in fields]
                        for record_type, fields in spec["records"].items()}

    def encode(self, record_type: str, values: dict) -> str:
        """One line of exactly ``length`` characters."""
        line = record_type.ljust(self.length)
        for field in self.records[record_type]:
            start = field.start - 1
            line = line[:start] + field.encode(values.get(field.name)) + line[start + field.width:]
        return line

    def decode(self, line: str) -> tuple[str, dict]:
        """(record type, {field: value}); RecordError for a line that breaks the layout."""
        if len(line) != self.length:
            raise RecordError("RECORD", LENGTH_ERROR, f"LENGTH {len(line)}, EXPECTED {self.length}")
        fields = self.records.get(line[0])
        if fields is None:
            raise RecordError("RECORD-TYPE", UNKNOWN_RECORD, f"UNKNOWN RECORD TYPE '{line[0]}'")
        return line[0], {field.name: field.decode(line) for field in fields}


LAYOUTS = {name: FileLayout(spec) for name, spec in
           yaml.safe_load((Path(__file__).parent / "record_layouts.yaml").read_text()).items()}
