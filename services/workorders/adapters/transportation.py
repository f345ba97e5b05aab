"""Transportation: OAGIS-style XML documents over the department's own queues on RabbitMQ.

create() publishes a ProcessMaintenanceOrder whose CorrelationID is our
tracking id and waits (bounded) for an AcknowledgeMaintenanceOrder with that
CorrelationID. Every Acknowledge taken off the queue, whoever was waiting for
it, goes into the journal first: one that comes late is found by the retry's
find_by_reference, one that comes twice is kept once. The system answers a
reference it already has with Rejected / DUPLICATE and the existing order, so
a second Process never makes a second work order. fetch_changes() moves Sync
documents into the journal and returns those after the cursor (the journal's
own arrival numbers), so a document taken but not yet applied by the caller
comes back on the next call.
"""
import logging
import uuid
from datetime import timedelta

from .base import LegacyWorkOrder, StatusChange, TransientError, WorkOrderRequest
from .cursors import read_cursor, write_cursor
from .oagis_bods import Acknowledgement, cancel_document, process_document, read_acknowledgement, read_sync
from .polling import poll_until
from .rejections import RejectionCodes
from .transportation_journal import TransportationJournal
from .transportation_queues import DepartmentQueues
from .vocabulary import SystemVocabulary

log = logging.getLogger(__name__)


def from_config(system: str, config: dict) -> "TransportationBodClient":
    """Build from the merged ``deploy/workorder_systems/<system>.yaml`` configuration; the journal lives in the
    database at ``journal_database_url`` (the workorders service passes its own DATABASE_URL)."""
    queues = DepartmentQueues(system, config["amqp_uri"], config["queues"], float(config["connect_timeout_seconds"]))
    journal = TransportationJournal(system, config["journal_database_url"],
                                    timedelta(days=float(config["journal_retention_days"])))
    return TransportationBodClient(system, queues, journal, SystemVocabulary.from_config(system, config),
                                   RejectionCodes.from_config(system, config), config)


class TransportationBodClient:
    """WorkOrderSystemClient for the Transportation message interface."""

    def __init__(self, name: str, queues: DepartmentQueues, journal: TransportationJournal,
                 vocabulary: SystemVocabulary, codes: RejectionCodes, config: dict):
        self.name = name
        self._queues = queues
        self._journal = journal
        self._vocabulary = vocabulary
        self._codes = codes
        self._wait = (float(config["ack_timeout_seconds"]), float(config["poll_interval_seconds"]))
        self._batch = int(config["max_documents_per_take"])

    def find_by_reference(self, external_reference: str) -> LegacyWorkOrder | None:
        """The work order an Acknowledge (taken now or earlier) gave for our reference."""
        self._take_acknowledgements()
        orders = [ack for ack in self._journal.acknowledgements(external_reference) if self._gives_order(ack)]
        return self._work_order(orders[0], external_reference) if orders else None

    def create(self, request: WorkOrderRequest) -> LegacyWorkOrder:
        """Publish a Process document and wait for the Acknowledge that settles it."""
        reference, bod_id = request.service_request_id, str(uuid.uuid4())
        document = process_document(bod_id, reference, self._vocabulary.category_for(request.service_code),
                                    self._vocabulary.priority_for(request.priority), request.description,
                                    request.address, request.lat, request.long)
        self._queues.publish("process", document, bod_id, reference, "ProcessMaintenanceOrder")
        ack = self._await_acknowledgement(reference, bod_id)
        if self._gives_order(ack):
            return self._work_order(ack, reference)
        raise self._codes.error(ack.reason_code, ack.reason)

    def cancel(self, legacy_id: str, reason: str) -> bool:
        """Publish a Cancel document and wait for its Acknowledge; PermanentError when Rejected."""
        bod_id = str(uuid.uuid4())
        self._queues.publish("process", cancel_document(bod_id, bod_id, legacy_id, reason), bod_id, bod_id,
                             "CancelMaintenanceOrder")
        ack = self._await_acknowledgement(bod_id, bod_id)
        if not ack.accepted:
            raise self._codes.error(ack.reason_code, ack.reason)
        return True

    def fetch_changes(self, cursor: str | None) -> tuple[list[StatusChange], str]:
        """Sync documents kept after the cursor (at most max_documents_per_take), oldest change first."""
        self._queues.take("sync", self._keep_sync, self._batch)
        self._journal.prune()
        journal, fields = self._journal.identity(), read_cursor(self.name, cursor)
        last = fields.get("seq") if fields.get("journal") == journal else None
        if not isinstance(last, int):
            if cursor is not None:
                log.warning("%s: cursor %r is not of this journal; reading it from the start", self.name, cursor)
            last = 0
        kept = self._journal.sync_after(last, self._batch)
        changes = [self._vocabulary.status_change(r.legacy_id, r.external_reference, r.status, r.changed_at,
                                                  r.resolution) for _, r in kept]
        reported = sorted((c for c in changes if self._vocabulary.is_reported(c.legacy_status)),
                          key=lambda c: c.changed_at)
        return reported, write_cursor(journal=journal, seq=kept[-1][0] if kept else last)

    def _await_acknowledgement(self, correlation_id: str, bod_id: str) -> Acknowledgement:
        def settled():
            self._take_acknowledgements()
            answers = [ack for ack in self._journal.acknowledgements(correlation_id)
                       if ack.original_bod_id == bod_id or self._gives_order(ack)]
            return answers[0] if answers else None
        timeout, interval = self._wait
        ack = poll_until(settled, timeout, interval)
        if ack is None:
            raise TransientError(self.name, f"no Acknowledge for document {bod_id} within {timeout}s; it stays "
                                            "queued and a late Acknowledge is kept for the next look-up")
        return ack

    def _take_acknowledgements(self) -> None:
        self._queues.take("acknowledge", self._keep_acknowledgement, self._batch)

    def _keep_acknowledgement(self, body: bytes) -> str | None:
        try:
            self._journal.record_acknowledgement(read_acknowledgement(body))
        except ValueError as error:
            return f"unreadable AcknowledgeMaintenanceOrder: {error}"
        return None

    def _keep_sync(self, body: bytes) -> str | None:
        try:
            self._journal.record_sync(read_sync(body))
        except ValueError as error:
            return f"unreadable SyncMaintenanceOrder: {error}"
        return None

    def _gives_order(self, ack: Acknowledgement) -> bool:
        return bool(ack.legacy_id) and (ack.accepted or self._codes.is_duplicate(ack.reason_code))

    def _work_order(self, ack: Acknowledgement, reference: str) -> LegacyWorkOrder:
        return LegacyWorkOrder(ack.legacy_id, reference, ack.status or "")
