"""Solid Waste: a batch file work-order system (fixed-width files in a shared folder).

create() drops a one-record file into ``inbound/`` and waits (bounded) for the
system's ``.ACK``/``.REJ`` answer in ``outbound/acks/``. fetch_changes() reads
the status files in ``outbound/status/`` it has not read yet; their windows
overlap, so the same change comes back with the same change_id. The file
interface has no cancel: cancel() returns False.
"""
import logging
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from .base import LegacyWorkOrder, PermanentError, StatusChange, TransientError, WorkOrderRequest
from .cursors import read_cursor, write_cursor
from .solidwaste_formats import LAYOUTS, Answer, read_answer, read_status_records, write_atomically
from .vocabulary import SystemVocabulary

log = logging.getLogger(__name__)

WORKORDERS = LAYOUTS["workorder"]


def from_config(system: str, config: dict) -> "SolidWasteFileClient":
    """Build from the merged ``deploy/workorder_systems/<system>.yaml`` configuration."""
    return SolidWasteFileClient(system, Path(config["data_dir"]), SystemVocabulary.from_config(system, config),
                                config)


class SolidWasteFileClient:
    """WorkOrderSystemClient over the Solid Waste file folders."""

    def __init__(self, name: str, data_dir: Path, vocabulary: SystemVocabulary, config: dict):
        self.name = name
        self._inbound, self._acks = data_dir / "inbound", data_dir / "outbound" / "acks"
        self._status = data_dir / "outbound" / "status"
        self._vocabulary = vocabulary
        self._sender = config["sender"]
        self._ack_timeout = float(config["ack_timeout_seconds"])
        self._poll = float(config["poll_interval_seconds"])
        self._max_files = int(config["max_status_files_per_fetch"])
        self._answer_codes = {"transient": frozenset(config["transient_reject_codes"]),
                              "duplicate": config["duplicate_reject_code"]}

    def find_by_reference(self, external_reference: str) -> LegacyWorkOrder | None:
        """The first acknowledgement of our reference in ``outbound/acks/``."""
        with self._file_trouble_is_transient():
            for path in sorted(self._folder(self._acks).glob("*.ACK")):
                for accepted in read_answer(path).accepted:
                    if accepted.external_reference == external_reference:
                        return accepted
        return None

    def create(self, request: WorkOrderRequest) -> LegacyWorkOrder:
        """Submit one work order and wait for the system's answer (at most ack_timeout_seconds)."""
        reference = request.service_request_id
        if len(reference) > 36 or not reference.isascii():
            raise PermanentError(self.name, "tracking id must be at most 36 ASCII characters for this system")
        stem = f"C311_{datetime.now(timezone.utc):%Y%m%d%H%M%S%f}_{uuid.uuid4().hex[:8]}"
        detail = {"external_ref": reference, "category": self._vocabulary.category_for(request.service_code),
                  "priority": self._vocabulary.priority_for(request.priority), "latitude": request.lat,
                  "longitude": request.long, "address": request.address, "description": request.description}
        lines = [WORKORDERS.encode("H", {"sender": self._sender, "created_at": datetime.now(timezone.utc)}),
                 WORKORDERS.encode("D", detail), WORKORDERS.encode("T", {"record_count": 1})]
        with self._file_trouble_is_transient():
            write_atomically(self._folder(self._inbound) / f"{stem}.DAT", lines)
            answer = self._await_answer(stem)
        return self._outcome(answer, reference)

    def cancel(self, legacy_id: str, reason: str) -> bool:
        """The file interface cannot cancel work orders."""
        return False

    def fetch_changes(self, cursor: str | None) -> tuple[list[StatusChange], str]:
        """Changes from the status files after the cursor's last file, oldest file first."""
        last = read_cursor(self.name, cursor).get("last_file", "")
        with self._file_trouble_is_transient():
            unread = [p for p in sorted(self._folder(self._status).glob("STATUS_*.TXT")) if p.name > last]
            unread = unread[: self._max_files]
            changes = [change for path in unread for change in self._read_status_file(path)]
        reported = sorted((c for c in changes if self._vocabulary.is_reported(c.legacy_status)),
                          key=lambda c: c.changed_at)
        return reported, write_cursor(last_file=unread[-1].name if unread else last)

    def _await_answer(self, stem: str) -> Answer:
        deadline = time.monotonic() + self._ack_timeout
        while True:
            for suffix in ("ACK", "REJ"):
                path = self._acks / f"{stem}.{suffix}"
                if path.exists():
                    return self._read_answer_strictly(path)
            if time.monotonic() >= deadline:
                raise TransientError(self.name, f"no ACK/REJ for {stem}.DAT within {self._ack_timeout}s; "
                                                "the file stays queued in inbound/")
            time.sleep(self._poll)

    def _read_answer_strictly(self, path: Path) -> Answer:
        try:
            return read_answer(path, strict=True)
        except ValueError as error:
            raise TransientError(self.name, f"unreadable answer file: {error}") from None

    def _outcome(self, answer: Answer, reference: str) -> LegacyWorkOrder:
        duplicate = [e for e in answer.errors if e.code == self._answer_codes["duplicate"] and e.existing_id]
        if duplicate and len(duplicate) == len(answer.errors):
            log.info("%s: %s was already on file as %s", self.name, reference, duplicate[0].existing_id)
            found = self.find_by_reference(reference)
            return found or LegacyWorkOrder(duplicate[0].existing_id, reference, legacy_status="")
        if any(e.code in self._answer_codes["transient"] for e in answer.errors):
            raise TransientError(self.name, answer.describe_errors())
        if answer.errors:
            raise PermanentError(self.name, answer.describe_errors())
        for accepted in answer.accepted:
            if accepted.external_reference == reference:
                return accepted
        raise TransientError(self.name, "ACK file does not mention our reference")

    def _read_status_file(self, path: Path) -> list[StatusChange]:
        return [self._vocabulary.status_change(r["legacy_id"], r["external_ref"], r["status"], r["changed_at"],
                                               r["resolution"]) for r in read_status_records(path)]

    @contextmanager
    def _file_trouble_is_transient(self):
        try:
            yield
        except OSError as error:  # permissions, a full disk, a share gone away: nothing wrong with the request
            raise TransientError(self.name, f"file access failed: {error}") from None

    def _folder(self, folder: Path) -> Path:
        if not folder.is_dir():
            raise TransientError(self.name, f"folder {folder} is missing (share not mounted?)")
        return folder

