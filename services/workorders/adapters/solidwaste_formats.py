"""The Solid Waste files: the answers to ours (``.ACK`` / ``.REJ``), its status files, and dropping ours."""
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .base import LegacyWorkOrder
from .fixed_width import FixedWidthLayout

log = logging.getLogger(__name__)

LAYOUTS = {name: FixedWidthLayout(spec) for name, spec in
           yaml.safe_load((Path(__file__).parent / "solidwaste_records.yaml").read_text()).items()}


@dataclass(frozen=True)
class LineError:
    """One line-level rejection reason (line 0 = the file as a whole)."""

    line_number: int
    field: str
    code: str
    reason: str
    existing_id: str | None


@dataclass(frozen=True)
class Answer:
    """What an ACK/REJ file says: work orders accepted, or every reason the file was rejected."""

    accepted: list[LegacyWorkOrder] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)

    def describe_errors(self) -> str:
        """The rejection reasons in plain words, e.g. "line 2 CATEGORY: E05 UNKNOWN CATEGORY CODE 'ZZZZ'"."""
        return "; ".join(f"{f'line {e.line_number}' if e.line_number else 'file'} {e.field}: {e.code} {e.reason}"
                         for e in self.errors)


def read_answer(path: Path, strict: bool = False) -> Answer:
    """Parse an answer file. ``strict``: ValueError unless every line parses and the trailer count matches;
    otherwise unreadable lines (and a file that vanished) are skipped."""
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    except FileNotFoundError:
        if strict:
            raise ValueError(f"{path.name} disappeared") from None
        return Answer()
    records = []
    for line in lines:
        try:
            records.append(LAYOUTS["acknowledgement"].decode(line))
        except ValueError as error:
            if strict:
                raise ValueError(f"{path.name}: {error}") from None
    if strict:
        _check_envelope(path.name, records)
    return Answer(
        accepted=[LegacyWorkOrder(v["legacy_id"], v["external_ref"], v["status"]) for t, v in records if t == "A"],
        errors=[LineError(v["line_number"], v["field"], v["code"], v["reason"], v["existing_id"])
                for t, v in records if t == "E"])


def _check_envelope(name: str, records: list[tuple[str, dict]]) -> None:
    types = [record_type for record_type, _ in records]
    if len(types) < 2 or types[0] != "H" or types[-1] != "T" or "H" in types[1:] or "T" in types[:-1]:
        raise ValueError(f"{name}: header or trailer missing (truncated file?)")
    if records[-1][1]["record_count"] != len(records) - 2:
        raise ValueError(f"{name}: trailer count does not match")


def read_status_records(path: Path) -> list[dict]:
    """The S records of a status file; lines that do not parse are logged and skipped (windows overlap,
    so what a damaged line held comes again in the next file). A file pruned meanwhile reads as empty."""
    try:
        lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    records = []
    for number, line in enumerate(lines, 1):
        try:
            record_type, values = LAYOUTS["status"].decode(line)
        except ValueError as error:
            log.warning("skipping line %d of %s: %s", number, path.name, error)
            continue
        if record_type == "S":
            records.append(values)
    return records


def write_atomically(path: Path, lines: list[str]) -> None:
    """Write a dot-file beside ``path`` then rename it: the system never picks up half a file."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text("".join(f"{line}\n" for line in lines), encoding="ascii")
    os.replace(temporary, path)
