"""Parks & Recreation – Forestry: interface tables in the department's own database.

create() inserts a row into WO_REQUEST_IFACE (or waits on our row already
pending there) and waits, bounded, for the department's job to answer it;
cancel() does the same with WO_CANCEL_IFACE. Status changes are read from
WO_STATUS_LOG; the cursor is the last LOG_ID read (a row-id watermark: the job
is the table's only writer, so ids appear in commit order).
"""
import logging
from datetime import datetime, timezone

from sqlalchemy import and_, or_, select

from .base import LegacyWorkOrder, PermanentError, StatusChange, TransientError, WorkOrderRequest
from .cursors import read_cursor, write_cursor
from .forestry_tables import CANCELLATIONS, REQUESTS, STATUS_LOG, InterfaceDatabase, insert_returning_id
from .polling import poll_until
from .rejections import RejectionCodes
from .vocabulary import SystemVocabulary, to_milliseconds

log = logging.getLogger(__name__)

PENDING, PROCESSED = "N", "P"


def from_config(system: str, config: dict) -> "ForestryTableClient":
    """Build from the merged ``deploy/workorder_systems/<system>.yaml`` configuration."""
    return ForestryTableClient(system, InterfaceDatabase(system, config["database_url"]),
                               SystemVocabulary.from_config(system, config), RejectionCodes.from_config(system, config),
                               config)


class ForestryTableClient:
    """WorkOrderSystemClient over the Forestry interface tables."""

    def __init__(self, name: str, database: InterfaceDatabase, vocabulary: SystemVocabulary,
                 codes: RejectionCodes, config: dict):
        self.name = name
        self._db = database
        self._vocabulary = vocabulary
        self._codes = codes
        self._wait = (float(config["answer_timeout_seconds"]), float(config["poll_interval_seconds"]))
        self._batch_size = int(config["max_log_rows_per_fetch"])

    def find_by_reference(self, external_reference: str) -> LegacyWorkOrder | None:
        """Our oldest request row the job turned into a work order, else the status log's first mention."""
        answered = self._db.read(select(REQUESTS.c.WORK_ORDER_NO, REQUESTS.c.WO_STATUS)
                                 .where(REQUESTS.c.EXT_REF == external_reference, REQUESTS.c.WORK_ORDER_NO.is_not(None))
                                 .order_by(REQUESTS.c.IFACE_ID).limit(1))
        logged = self._db.read(select(STATUS_LOG.c.WORK_ORDER_NO, STATUS_LOG.c.STATUS_CODE, STATUS_LOG.c.CHANGED_AT)
                               .where(STATUS_LOG.c.EXT_REF == external_reference, STATUS_LOG.c.CHANGED_AT.is_not(None),
                                      STATUS_LOG.c.WORK_ORDER_NO.is_not(None)).order_by(STATUS_LOG.c.LOG_ID))
        legacy_id = answered[0]["WORK_ORDER_NO"] if answered else logged[0]["WORK_ORDER_NO"] if logged else None
        if legacy_id is None:
            return None
        latest = max((row for row in logged if row["WORK_ORDER_NO"] == legacy_id), default=None,
                     key=lambda row: row["CHANGED_AT"])
        return LegacyWorkOrder(legacy_id, external_reference,
                               latest["STATUS_CODE"] if latest else answered[0]["WO_STATUS"] or "")

    def create(self, request: WorkOrderRequest) -> LegacyWorkOrder:
        """Submit a request row (unless ours is already waiting) and wait for the job's answer."""
        if len(request.service_request_id) > REQUESTS.c.EXT_REF.type.length:
            raise PermanentError(self.name, f"tracking id longer than {REQUESTS.c.EXT_REF.type.length} characters")
        row = {"EXT_REF": request.service_request_id,
               "CATEGORY_CODE": self._vocabulary.category_for(request.service_code),
               "PRIORITY_CODE": self._vocabulary.priority_for(request.priority), "DESCRIPTION": request.description,
               "ADDRESS": request.address, "LATITUDE": request.lat, "LONGITUDE": request.long}
        # A row the job already turned into a work order counts as ours too: between a retry's
        # find_by_reference and this submit the job may have answered the earlier row.
        answered = and_(REQUESTS.c.PROCESS_STATUS == PROCESSED, REQUESTS.c.WORK_ORDER_NO.is_not(None))
        iface_id = self._submit(REQUESTS, REQUESTS.c.EXT_REF == request.service_request_id, row, answered)
        answer = self._await_answer(REQUESTS, iface_id)
        if answer["WORK_ORDER_NO"] and (answer["PROCESS_STATUS"] == PROCESSED
                                        or self._codes.is_duplicate(answer["ERROR_CODE"])):
            return LegacyWorkOrder(answer["WORK_ORDER_NO"], request.service_request_id, answer["WO_STATUS"] or "")
        if answer["PROCESS_STATUS"] == PROCESSED:  # the job's answer lacks the number: look for it elsewhere
            found = self.find_by_reference(request.service_request_id)
            if found:
                return found
            raise TransientError(self.name, f"request row {iface_id} processed without a work-order number")
        raise self._codes.error(answer["ERROR_CODE"], answer["ERROR_MESSAGE"])

    def cancel(self, legacy_id: str, reason: str) -> bool:
        """Submit a cancel row (unless one is already waiting) and wait for the job's answer."""
        iface_id = self._submit(CANCELLATIONS, CANCELLATIONS.c.WORK_ORDER_NO == legacy_id,
                                {"WORK_ORDER_NO": legacy_id, "REASON": reason})
        answer = self._await_answer(CANCELLATIONS, iface_id)
        if answer["PROCESS_STATUS"] != PROCESSED:
            raise self._codes.error(answer["ERROR_CODE"], answer["ERROR_MESSAGE"])
        return True

    def fetch_changes(self, cursor: str | None) -> tuple[list[StatusChange], str]:
        """Status-log rows after the cursor's LOG_ID (at most max_log_rows_per_fetch), oldest change first."""
        last = read_cursor(self.name, cursor).get("log_id", 0)
        if not isinstance(last, int):
            log.warning("%s: bad log_id in cursor %r; reading the status log from the start", self.name, cursor)
            last = 0
        rows = self._db.read(select(STATUS_LOG).where(STATUS_LOG.c.LOG_ID > last)
                             .order_by(STATUS_LOG.c.LOG_ID).limit(self._batch_size))
        readable = [change for change in map(self._change, rows) if change]
        changes = [change for change in readable if self._vocabulary.is_reported(change.legacy_status)]
        return sorted(changes, key=lambda c: c.changed_at), write_cursor(log_id=rows[-1]["LOG_ID"] if rows else last)

    def _submit(self, table, ours, values: dict, answered=None) -> int:
        """Our row still waiting for the job (or already `answered`, when given), else a new one."""
        reusable = table.c.PROCESS_STATUS == PENDING if answered is None else or_(table.c.PROCESS_STATUS == PENDING,
                                                                                  answered)
        with self._db.transaction() as connection:
            pending = connection.execute(select(table.c.IFACE_ID).where(ours, reusable)
                                         .order_by(table.c.IFACE_ID).limit(1)).scalar()
            if pending is not None:
                log.info("%s: row %s of %s is waiting for the job or answered; not submitting again", self.name,
                         pending, table.name)
                return pending
            return insert_returning_id(connection, table, {**values, "PROCESS_STATUS": PENDING,
                                                           "SUBMITTED_AT": _naive_utc_now()})

    def _await_answer(self, table, iface_id: int) -> dict:
        def answered():
            rows = self._db.read(select(table).where(table.c.IFACE_ID == iface_id))
            return rows[0] if rows and rows[0]["PROCESS_STATUS"] != PENDING else None
        timeout, interval = self._wait
        answer = poll_until(answered, timeout, interval)
        if answer is None:
            raise TransientError(self.name, f"{table.name} row {iface_id} not answered within {timeout}s; "
                                            "it stays queued for the job")
        return {"WORK_ORDER_NO": None, "WO_STATUS": None, **answer}

    def _change(self, row: dict) -> StatusChange | None:
        if not (row["WORK_ORDER_NO"] and row["EXT_REF"] and row["STATUS_CODE"] and row["CHANGED_AT"]):
            log.warning("%s: skipping unreadable status-log row %s", self.name, row["LOG_ID"])
            return None
        return self._vocabulary.status_change(row["WORK_ORDER_NO"], row["EXT_REF"], row["STATUS_CODE"],
                                              row["CHANGED_AT"], row["RESOLUTION_CODE"])


def _naive_utc_now() -> datetime:
    return to_milliseconds(datetime.now(timezone.utc)).replace(tzinfo=None)
