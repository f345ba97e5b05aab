"""The department's interface job: takes new request and cancel rows, answers each, and logs status changes.

A request row becomes a work order (P, with WORK_ORDER_NO) or is refused (E,
with ERROR_CODE and ERROR_MESSAGE); a reference already on file is refused
with DUP-09 and the existing WORK_ORDER_NO. Status changes are appended to
WO_STATUS_LOG, one row each, in the order they happened.
"""
import logging
import random

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from legacy_systems.common.change_feed import ChangeFeed
from legacy_systems.common.rules import BusinessRuleError
from legacy_systems.common.server import SimulatorContext
from legacy_systems.common.timestamps import parse_iso

from .interface_tables import CANCELLATIONS, REQUESTS, STATUS_LOG, now

log = logging.getLogger("job")


class InterfaceJob:
    """One run over the interface tables (called by a periodic task)."""

    def __init__(self, context: SimulatorContext, engine: Engine, rng: random.Random):
        self._context = context
        self._faults = context.faults
        self._engine = engine
        self._rng = rng
        self._codes = context.config["error_codes"]
        self._feed = ChangeFeed("status_log", context.store, context.faults)

    def run(self) -> None:
        """Requests, then cancellations, then the status log; nothing while the system is down."""
        if self._faults.is_down():
            return
        self._take(REQUESTS, self._answer_request)
        self._take(CANCELLATIONS, self._answer_cancellation)
        self._feed.pass_on(self._log_changes)

    def _take(self, table, answer) -> None:
        with self._engine.connect() as connection:
            rows = connection.execute(select(table).where(table.c.PROCESS_STATUS == "N")
                                      .order_by(table.c.IFACE_ID)).mappings().all()
        for row in rows:
            self._faults.delay()
            values = self._refusal("SYSTEM_ERROR", "SYSTEM ERROR WHILE LOADING - RESUBMIT") \
                if self._faults.error_fires() else answer(row)
            with self._engine.begin() as connection:
                connection.execute(update(table).where(table.c.IFACE_ID == row["IFACE_ID"])
                                   .values(**values, PROCESSED_AT=now()))
            log.info("%s %s: %s %s", table.name, row["IFACE_ID"], values["PROCESS_STATUS"],
                     values.get("ERROR_CODE") or values.get("WORK_ORDER_NO") or "")

    def _answer_request(self, row) -> dict:
        rules = self._context.rules
        on_file = rules.store.find_by_reference(row["EXT_REF"])
        if on_file:
            return {**self._refusal("DUPLICATE_REFERENCE", f"REFERENCE ALREADY ON FILE AS {on_file[0]['legacy_id']}"),
                    "WORK_ORDER_NO": on_file[0]["legacy_id"], "WO_STATUS": on_file[0]["status"]}
        missing = [name for name in ("EXT_REF", "DESCRIPTION") if not (row[name] or "").strip()]
        if missing:
            return self._refusal("MISSING_FIELD", f"{missing[0]} IS REQUIRED")
        priorities = self._context.config["priorities"]
        priority = row["PRIORITY_CODE"] or "C"
        if priority not in priorities:
            return self._refusal("BAD_FIELD", f"PRIORITY_CODE MUST BE ONE OF {' '.join(priorities)}")
        details = {"description": row["DESCRIPTION"], "address": row["ADDRESS"], "priority": priority,
                   "lat": row["LATITUDE"], "long": row["LONGITUDE"]}
        try:
            workorder = rules.create(row["EXT_REF"], row["CATEGORY_CODE"], details)
        except BusinessRuleError as rejection:
            return self._refusal(rejection.code, rejection.reason.upper())
        if self._faults.malformed_fires():
            log.info("fault: half-written answer for request %s", row["IFACE_ID"])
            return {"PROCESS_STATUS": "P"}
        return {"PROCESS_STATUS": "P", "WORK_ORDER_NO": workorder["legacy_id"], "WO_STATUS": workorder["status"]}

    def _answer_cancellation(self, row) -> dict:
        try:
            self._context.rules.cancel(row["WORK_ORDER_NO"])
        except BusinessRuleError as rejection:
            return self._refusal(rejection.code, rejection.reason.upper())
        return {"PROCESS_STATUS": "P"}

    def _refusal(self, reason_code: str, message: str) -> dict:
        return {"PROCESS_STATUS": "E", "ERROR_CODE": self._codes[reason_code], "ERROR_MESSAGE": message[:400]}

    def _log_changes(self, changes: list[dict]) -> None:
        rows = [{"WORK_ORDER_NO": c["legacy_id"], "EXT_REF": c["external_reference"], "STATUS_CODE": c["status"],
                 "RESOLUTION_CODE": c["resolution"], "CHANGED_AT": parse_iso(c["at"]).replace(tzinfo=None),
                 "LOGGED_AT": now()} for c in changes]
        if self._faults.malformed_fires():
            log.info("fault: a half-written row in the status log")
            rows.insert(self._rng.randrange(len(rows) + 1), {"LOGGED_AT": now()})
        with self._engine.begin() as connection:
            for row in rows:  # one by one: LOG_ID order is the order written
                connection.execute(insert(STATUS_LOG).values(**row))
        log.info("status log: %d row(s)", len(rows))
