"""Fixed-width records, driven by a layout document (see solidwaste_records.yaml)."""
import unicodedata
from datetime import datetime, timezone


class FixedWidthLayout:
    """The record types of one kind of file: encode values into lines, decode lines into values."""

    def __init__(self, spec: dict):
        self.length = spec["length"]
        self.fields = {record_type: [(name, start - 1, width, kind, "required" in flags)
                                     for name, start, width, kind, *flags in fields]
                       for record_type, fields in spec["records"].items()}

    def encode(self, record_type: str, values: dict) -> str:
        """One line of exactly ``length`` ASCII characters; text is transliterated and cut to width."""
        line = record_type.ljust(self.length)
        for name, start, width, kind, _ in self.fields[record_type]:
            line = line[:start] + encode_value(values.get(name), width, kind) + line[start + width:]
        return line

    def decode(self, line: str) -> tuple[str, dict]:
        """(record type, {field: value}); ValueError naming the problem for a line that breaks the layout."""
        if len(line) != self.length or line[:1] not in self.fields:
            raise ValueError(f"not a record of this file (length {len(line)}, type {line[:1]!r})")
        values = {}
        for name, start, width, kind, required in self.fields[line[0]]:
            raw = line[start:start + width].strip()
            if not raw and required:
                raise ValueError(f"{name} is blank")
            values[name] = decode_value(raw, kind) if raw else None
        return line[0], values


def encode_value(value, width: int, kind: str) -> str:
    """One field's characters."""
    if value is None or value == "":
        return " " * width
    if kind == "number":
        return f"{int(value):0{width}d}"
    if kind == "coordinate":
        return f"{float(value):+0{width}.6f}"
    if kind in ("timestamp", "timestamp_ms"):
        text = value.astimezone(timezone.utc).strftime("%Y%m%d%H%M%S")
        return text + (f"{value.microsecond // 1000:03d}" if kind == "timestamp_ms" else "")
    return as_ascii(str(value))[:width].ljust(width)


def decode_value(raw: str, kind: str):
    """One field's value; ValueError when it does not parse."""
    if kind == "number":
        if not raw.isdigit():
            raise ValueError(f"not a number: {raw!r}")
        return int(raw)
    if kind == "coordinate":
        return float(raw)
    if kind in ("timestamp", "timestamp_ms"):
        if not raw.isdigit() or len(raw) != (17 if kind == "timestamp_ms" else 14):
            raise ValueError(f"not a {kind}: {raw!r}")
        moment = datetime.strptime(raw[:14], "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
        return moment.replace(microsecond=int(raw[14:] or 0) * 1000)
    return raw


def as_ascii(text: str) -> str:
    """Plain ASCII on one line: accents dropped (é -> e), other characters and line breaks removed."""
    flat = " ".join(text.split())
    return unicodedata.normalize("NFKD", flat).encode("ascii", "ignore").decode("ascii")
