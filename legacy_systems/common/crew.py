"""The simulated field crew: moves open work orders through the system's statuses over time.

Each work order waits a random delay (from the speed profile) between steps.
Tests pause the crew and step work orders by hand through the admin API.
"""
import random
import threading
import time
from pathlib import Path

import yaml

from .storage import WorkOrderStore
from .workflow import Workflow

SPEED_PROFILES = yaml.safe_load((Path(__file__).parent / "crew_speeds.yaml").read_text())


class Crew:
    """Advances work orders one status at a time, on its own or by hand."""

    def __init__(self, store: WorkOrderStore, workflow: Workflow, speed: dict, rng: random.Random):
        self._store = store
        self._workflow = workflow
        self._speed = speed
        self._rng = rng
        self._lock = threading.Lock()  # one step at a time, whether from the loop or by hand
        self._due: dict[str, float] = {}
        self.paused = False

    def tick(self) -> None:
        """Step every open work order whose delay has passed (called by the crew loop)."""
        with self._lock:
            if self.paused:
                return
            now = time.monotonic()
            open_workorders = self._store.in_statuses_other_than(self._workflow.terminal)
            self._due = {w["legacy_id"]: self._due.get(w["legacy_id"]) or self._next_due(now) for w in open_workorders}
            for workorder in open_workorders:
                if now >= self._due[workorder["legacy_id"]]:
                    self._step(workorder, detours=True)
                    self._due[workorder["legacy_id"]] = self._next_due(now)

    def advance(self, legacy_id: str, status: str | None = None) -> dict:
        """Step one work order now: to ``status`` if given, else along the main path.

        Raises LookupError for an unknown id, ValueError when there is no next step.
        """
        with self._lock:
            workorder = self._store.get(legacy_id)
            if workorder is None:
                raise LookupError(f"No work order {legacy_id}")
            if status:
                resolution = self._workflow.resolution_for(workorder["category"], status, self._rng)
                return self._store.set_status(legacy_id, status, resolution)
            updated = self._step(workorder, detours=False)
            if updated is None:
                raise ValueError(f"Work order {legacy_id} is {workorder['status']}: no next step")
            return updated

    def _step(self, workorder: dict, detours: bool) -> dict | None:
        step = self._workflow.step(workorder, self._rng, detours=detours)
        if step is None:
            return None
        status, resolution = step
        return self._store.set_status(workorder["legacy_id"], status, resolution)

    def _next_due(self, now: float) -> float:
        return now + self._rng.uniform(self._speed["step_min_seconds"], self._speed["step_max_seconds"])
