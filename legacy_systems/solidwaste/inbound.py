"""Picks up inbound work-order files, accepts or rejects each as a whole, and writes the ACK/REJ file.

A file is all-or-nothing: any line error rejects it (``<name>.REJ`` lists every
error) and nothing in it is created; otherwise every detail record becomes a
work order and ``<name>.ACK`` lists their ids. The picked-up file moves to archive/.
"""
import logging
import os
from pathlib import Path

from legacy_systems.common.server import SimulatorContext
from legacy_systems.common.timestamps import utc_now

from .folders import Folders, as_text, write_atomically
from .inbound_checks import LineError, check_file
from .records import LAYOUTS

log = logging.getLogger("inbound")

ACKS = LAYOUTS["acknowledgement"]
SYSTEM_ERROR = LineError(0, "FILE", "S99", "SYSTEM ERROR WHILE LOADING - RESUBMIT FILE")


class InboundPickup:
    """One pass over inbound/ (run by a periodic task)."""

    def __init__(self, context: SimulatorContext, folders: Folders):
        self._context = context
        self._faults = context.faults
        self._folders = folders

    def pick_up(self) -> None:
        """Process every waiting ``*.DAT`` file, oldest name first; nothing while the system is down."""
        if self._faults.is_down():
            return
        waiting = sorted(path for path in self._folders.inbound.iterdir()
                         if path.suffix.upper() == ".DAT" and not path.name.startswith("."))
        for path in waiting:
            self._faults.delay()
            self.process(path)

    def process(self, path: Path) -> None:
        """Accept or reject one file and answer it."""
        text = path.read_bytes().decode("ascii", errors="replace")
        if self._faults.error_fires():
            result, records = "REJ", [_error_record(SYSTEM_ERROR)]
        else:
            details, errors = check_file(text, self._context.rules, self._context.config["priorities"])
            result = "REJ" if errors else "ACK"
            records = [_error_record(error) for error in errors] or [self._accept(*detail) for detail in details]
        lines = [ACKS.encode("H", {"source_file": path.name, "processed_at": utc_now(), "result": result}),
                 *records, ACKS.encode("T", {"record_count": len(records)})]
        content = as_text(lines)
        if self._faults.malformed_fires():
            log.info("fault: writing a truncated %s for %s", result, path.name)
            content = content[: len(content) // 2]
        write_atomically(self._folders.acks / f"{path.stem}.{result}", content)
        os.replace(path, self._folders.archive / path.name)
        log.info("%s %s: %d record(s)", result, path.name, len(records))

    def _accept(self, line_number: int, values: dict) -> str:
        details = {"description": values["description"], "address": values["address"], "priority": values["priority"],
                   "lat": values["latitude"], "long": values["longitude"]}
        workorder = self._context.rules.create(values["external_ref"], values["category"], details)
        return ACKS.encode("A", {"line_number": line_number, "external_ref": workorder["external_reference"],
                                 "legacy_id": workorder["legacy_id"], "status": workorder["status"]})


def _error_record(error: LineError) -> str:
    return ACKS.encode("E", {"line_number": error.line_number, "field": error.field, "code": error.code,
                             "existing_id": error.existing_id, "reason": error.reason})
