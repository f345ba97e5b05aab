"""Publishes every status change as a SyncMaintenanceOrder on the sync queue, in the order they happened.

A change is published at least once: the feed position moves on only after
the broker confirmed the whole batch.
"""
import logging
import random

from legacy_systems.common.change_feed import ChangeFeed
from legacy_systems.common.server import SimulatorContext

from .bods import sync
from .broker import DepartmentQueues

log = logging.getLogger("sync")

GARBAGE = b"<SyncMaintenanceOrder><DataArea><MaintenanceOrder>\x00 CHECKPOINT RESTART"  # what a crashed job leaves


class SyncPublisher:
    """One publishing run (called by a periodic task)."""

    def __init__(self, context: SimulatorContext, queues: DepartmentQueues, rng: random.Random):
        self._faults = context.faults
        self._queues = queues
        self._rng = rng
        self._feed = ChangeFeed("sync", context.store, context.faults)

    def publish(self) -> None:
        """The changes not yet published, as Sync documents."""
        self._feed.pass_on(self._publish)

    def _publish(self, changes: list[dict]) -> None:
        documents = [(*sync(change), change["external_reference"]) for change in changes]
        if self._faults.malformed_fires():
            log.info("fault: a broken document among the Sync documents")
            documents.insert(self._rng.randrange(len(documents) + 1), ("", GARBAGE, ""))
        for bod_id, body, reference in documents:
            self._queues.publish("sync", body, bod_id, reference, "SyncMaintenanceOrder")
        log.info("published %d Sync document(s)", len(documents))
