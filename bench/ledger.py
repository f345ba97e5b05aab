"""The driver's bookkeeping: every contact it makes, from the moment it is planned to its final state.

A submission is opened before it is sent and closed exactly once, as accepted (with
the tracking id or contact id), rejected (with the server's reason), timed out, or
failed (no answer: connection refused, reset...). Nothing leaves the ledger, so the
statistics can always be checked against it.
"""
import threading
from dataclasses import dataclass

from bench.mix import Planned

ACCEPTED, REJECTED, TIMED_OUT, FAILED = "accepted", "rejected", "timed_out", "failed"
OUTCOMES = (ACCEPTED, REJECTED, TIMED_OUT, FAILED)


@dataclass
class Submission:
    seq: int
    phase: str
    planned: Planned
    scheduled_at: float                 # when the open-loop schedule wanted it sent (wall clock)
    sent_at: float | None = None
    answered_at: float | None = None    # POST answered (accepted: the start of every end-to-end time)
    outcome: str | None = None          # None while in flight
    tracking_id: str | None = None
    http_status: int | None = None
    reason: str | None = None

    @property
    def kind(self):
        return self.planned.kind


class Ledger:
    """All submissions of a run, in the order they were planned; safe to use from many threads."""

    def __init__(self):
        self.entries = []
        self._lock = threading.Lock()

    def open(self, phase, planned, scheduled_at):
        with self._lock:
            entry = Submission(len(self.entries), phase, planned, scheduled_at)
            self.entries.append(entry)
        return entry

    def close(self, entry, outcome, answered_at, tracking_id=None, http_status=None, reason=None):
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        if entry.outcome is not None:
            raise RuntimeError(f"submission {entry.seq} closed twice ({entry.outcome}, then {outcome})")
        entry.answered_at, entry.tracking_id = answered_at, tracking_id
        entry.http_status, entry.reason = http_status, reason
        entry.outcome = outcome

    def of_phase(self, phase):
        with self._lock:
            return [e for e in self.entries if e.phase == phase]

    def in_flight(self):
        with self._lock:
            return [e for e in self.entries if e.outcome is None]

    def accepted(self):
        with self._lock:
            return [e for e in self.entries if e.outcome == ACCEPTED]

    def __len__(self):
        return len(self.entries)
