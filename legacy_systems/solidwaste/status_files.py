"""Publishes status files whose time windows overlap.

Each file covers from (end of the previous file's window - overlap) to now, so a
change appears in several files and nothing falls in a gap, even after the
system was down. A file is written only when its window holds changes. The
previous window's end is read back from the newest file on start-up.
"""
import logging
import random
from datetime import datetime, timedelta, timezone

from legacy_systems.common.server import SimulatorContext
from legacy_systems.common.timestamps import parse_iso, to_iso, utc_now

from .folders import Folders, as_text, write_atomically
from .records import LAYOUTS

log = logging.getLogger("status")

STATUS = LAYOUTS["status"]
BEGINNING = datetime(2000, 1, 1, tzinfo=timezone.utc)
GARBAGE = "#### 0x1F CHECKPOINT RESTART ####"  # what a real job's stray debug output looks like


class StatusPublisher:
    """Writes ``STATUS_<seq>_<time>.TXT`` files (run by a periodic task)."""

    def __init__(self, context: SimulatorContext, folders: Folders, schedule: dict, rng: random.Random):
        self._store = context.store
        self._faults = context.faults
        self._folder = folders.status
        self._overlap = timedelta(seconds=schedule["overlap_seconds"])
        self._keep = schedule["keep_status_files"]
        self._rng = rng
        self._sequence, self._last_end = self._resume()

    def publish(self) -> None:
        """Write the next status file if its window holds any change."""
        if self._faults.is_down():
            return
        self._faults.delay()
        if self._faults.error_fires():
            log.info("fault: status job failed this run")
            return
        start, end = self._last_end - self._overlap, utc_now()
        changes = self._store.changes_between(to_iso(start), to_iso(end))
        if not changes:
            return
        self._sequence += 1
        name = f"STATUS_{self._sequence:08d}_{end:%Y%m%d%H%M%S}.TXT"
        write_atomically(self._folder / name, as_text(self._lines(start, end, changes)))
        self._last_end = end
        log.info("published %s: %d change(s)", name, len(changes))
        self._prune()

    def _lines(self, start: datetime, end: datetime, changes: list[dict]) -> list[str]:
        records = [STATUS.encode("S", {"legacy_id": c["legacy_id"], "external_ref": c["external_reference"],
                                       "status": c["status"], "changed_at": parse_iso(c["at"]),
                                       "resolution": c["resolution"]}) for c in self._faults.distort_feed(changes)]
        if self._faults.malformed_fires():
            log.info("fault: garbage line in a status file")
            records.insert(self._rng.randrange(len(records) + 1), GARBAGE)
        return [STATUS.encode("H", {"window_from": start, "window_to": end, "generated_at": end}),
                *records, STATUS.encode("T", {"record_count": len(records)})]

    def _resume(self) -> tuple[int, datetime]:
        files = self._files()
        if not files:
            return 0, BEGINNING + self._overlap
        newest = files[-1]
        _, header = STATUS.decode(newest.read_text(encoding="ascii").splitlines()[0])
        return int(newest.name.split("_")[1]), header["window_to"]

    def _prune(self) -> None:
        for old in self._files()[: -self._keep]:
            old.unlink(missing_ok=True)

    def _files(self):
        return sorted(self._folder.glob("STATUS_*.TXT"))
