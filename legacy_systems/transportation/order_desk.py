"""Takes Process and Cancel documents off the process queue and answers each with an Acknowledge.

A reference already on file is not created twice: the Acknowledge is
Rejected with reason DUPLICATE and carries the existing order. An unreadable
document is parked with the reason and the queue moves on. A message is
removed from the queue only after its answer is confirmed by the broker.
"""
import logging

from legacy_systems.common.rules import BusinessRuleError
from legacy_systems.common.server import SimulatorContext

from .bods import DocumentError, InboundDocument, acknowledgement, read_inbound
from .broker import DepartmentQueues

log = logging.getLogger("desk")


class OrderDesk:
    """One pass over the process queue (run by a periodic task)."""

    def __init__(self, context: SimulatorContext, queues: DepartmentQueues):
        self._context = context
        self._faults = context.faults
        self._queues = queues
        self._config = context.config

    def work(self) -> None:
        """Answer every waiting document; nothing while the system is down."""
        while not self._faults.is_down() and (message := self._queues.get("process")) is not None:
            method, properties, body = message
            try:
                document = read_inbound(body, self._config["max_document_bytes"])
            except DocumentError as error:
                self._queues.park("process", properties, body, str(error))
            else:
                self._faults.delay()
                self._answer(document)
            self._queues.ack(method)

    def _answer(self, document: InboundDocument) -> None:
        if self._faults.error_fires():
            bod_id, reply = self._refusal(document, "SYSTEM_ERROR", "System error while processing; send it again")
        else:
            bod_id, reply = self._decide(document)
        if self._faults.malformed_fires():
            log.info("fault: acknowledgement of %s cut short", document.bod_id)
            reply = reply[: len(reply) // 2]
        for copy in self._faults.distort_feed([reply]):
            self._queues.publish("acknowledge", copy, bod_id, document.correlation_id, "AcknowledgeMaintenanceOrder")

    def _decide(self, document: InboundDocument) -> tuple[str, bytes]:
        rules = self._context.rules
        try:
            if document.verb == "Cancel":
                return acknowledgement(document, True, rules.cancel(_required(document, "DocumentID/ID")))
            reference = _required(document, "AlternateDocumentID/ID")
            on_file = rules.store.find_by_reference(reference)
            if on_file:
                return self._refusal(document, "DUPLICATE_REFERENCE",
                                     f"Reference already on file as {on_file[0]['legacy_id']}", on_file[0])
            order_type = _required(document, "MaintenanceOrderTypeCode")
            return acknowledgement(document, True, rules.create(reference, order_type, self._details(document)))
        except BusinessRuleError as rejection:
            return self._refusal(document, rejection.code, rejection.reason)

    def _details(self, document: InboundDocument) -> dict:
        priority = document.field("PriorityCode") or "3"
        if priority not in self._config["priorities"]:
            raise BusinessRuleError("BAD_FIELD", f"PriorityCode must be one of {', '.join(self._config['priorities'])}")
        return {"description": _required(document, "Description"), "priority": priority,
                "address": document.field("Location/Address/LineOne"),
                "lat": _coordinate(document, "Location/Coordinate/Latitude"),
                "long": _coordinate(document, "Location/Coordinate/Longitude")}

    def _refusal(self, document: InboundDocument, code: str, reason: str, order: dict | None = None):
        log.info("%s %s rejected: %s", document.verb, document.bod_id, code)
        return acknowledgement(document, False, order, self._config["reason_codes"][code], reason)


def _required(document: InboundDocument, path: str) -> str:
    value = document.field(path)
    if value is None:
        raise BusinessRuleError("MISSING_FIELD", f"MaintenanceOrderHeader/{path} is required")
    return value


def _coordinate(document: InboundDocument, path: str) -> float | None:
    value = document.field(path)
    try:
        return None if value is None else float(value)
    except ValueError:
        raise BusinessRuleError("BAD_FIELD", f"{path} must be a decimal number") from None
