"""Passes a simulator's status changes on, each once and in the order recorded, from a persisted position.

Forestry writes them to its status-log table, Transportation publishes them as
Sync documents, Code Enforcement pushes them as webhooks. Each job reads the
next batch after its position and moves the position on only once the batch
has been passed on: a crash in between passes the batch on again (at least
once, as real exports behave). The shared faults apply to every run.
"""
import logging
from typing import Callable

from .faults import FaultInjector
from .storage import WorkOrderStore

log = logging.getLogger("feed")


class ChangeFeed:
    """The changes one job still has to pass on (run by a periodic task)."""

    def __init__(self, name: str, store: WorkOrderStore, faults: FaultInjector, batch_size: int = 200):
        self._name = name
        self._store = store
        self._faults = faults
        self._batch_size = batch_size

    def pass_on(self, deliver: Callable[[list[dict]], None]) -> int:
        """Hand the next batch (as the faults distort it) to ``deliver``; the number of changes passed on.

        Nothing happens while the system is down or when an injected error
        fails this run; the slow fault delays the run. An exception from
        ``deliver`` leaves the position where it was.
        """
        if self._faults.is_down():
            return 0
        self._faults.delay()
        if self._faults.error_fires():
            log.info("fault: %s run failed", self._name)
            return 0
        batch = self._store.changes_after(self._store.feed_position(self._name), self._batch_size)
        if not batch:
            return 0
        deliver(self._faults.distort_feed(batch))
        self._store.set_feed_position(self._name, max(change["history_id"] for change in batch))
        return len(batch)
