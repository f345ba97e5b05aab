"""What the city sent a department on direct events, and the status reports it took back (workorders' database).

A work order is written here once the broker confirmed its message, so
find_by_reference never answers with one the department was not sent. A
status report is written here before it leaves the status queue, numbered in
arrival order, and kept until the caller's cursor has moved past it and it is old.
In the service's own database (direct_journals, direct_work_orders,
direct_status_reports: migration workorders_0006), every instance on every host
reads the same journal; each system keeps its own rows.
"""
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from .journal_database import DatabaseJournal, _now
from .models import DirectJournalId, DirectStatusReport, DirectWorkOrder

REPORT_FIELDS = ("update_id", "work_order_id", "reference", "status", "changed_at", "resolution")


@dataclass(frozen=True)
class StatusReport:
    """A department's status report as kept (reference = our tracking id)."""
    update_id: str
    work_order_id: str
    reference: str
    status: str
    changed_at: str
    resolution: str | None


class DirectJournal(DatabaseJournal):
    """Work orders by tracking id (state open or cancelled), status reports by arrival."""
    IDENTITY = DirectJournalId

    def open_order(self, reference: str) -> str | None:
        """The work order id sent for this tracking id and not cancelled since, if any."""
        with self._transaction() as connection:
            return connection.execute(select(DirectWorkOrder.work_order_id)
                                      .where(self._orders(), DirectWorkOrder.reference == reference,
                                             DirectWorkOrder.state == "open")
                                      .order_by(DirectWorkOrder.generation.desc()).limit(1)).scalar()

    def last_generation(self, reference: str) -> int:
        """How many work orders this tracking id had here (a re-route back makes a new one)."""
        with self._transaction() as connection:
            return connection.execute(select(func.coalesce(func.max(DirectWorkOrder.generation), 0))
                                      .where(self._orders(), DirectWorkOrder.reference == reference)).scalar_one()

    def reference_of(self, work_order_id: str) -> str | None:
        with self._transaction() as connection:
            return connection.execute(select(DirectWorkOrder.reference)
                                      .where(self._orders(), DirectWorkOrder.work_order_id == work_order_id)).scalar()

    def record_order(self, work_order_id: str, reference: str, generation: int) -> None:
        """Keep a work order the department was sent (again is a no-op)."""
        with self._transaction() as connection:
            self._keep(connection, DirectWorkOrder, {"work_order_id": work_order_id, "reference": reference,
                                                     "generation": generation, "state": "open",
                                                     "published_at": _now()})

    def set_state(self, work_order_id: str, state: str) -> None:
        with self._transaction() as connection:
            connection.execute(update(DirectWorkOrder).where(self._orders(),
                                                             DirectWorkOrder.work_order_id == work_order_id)
                               .values(state=state))

    def record_report(self, report: StatusReport) -> None:
        """Keep a status report (the same update_id again is a no-op)."""
        with self._transaction() as connection:
            self._keep(connection, DirectStatusReport,
                       {**{field: getattr(report, field) for field in REPORT_FIELDS}, "received_at": _now()})

    def reports_after(self, seq: int, limit: int) -> list[tuple[int, StatusReport]]:
        """Up to `limit` reports that arrived after number `seq`, in arrival order."""
        table = DirectStatusReport
        with self._transaction() as connection:
            rows = connection.execute(select(table.seq, *(getattr(table, field) for field in REPORT_FIELDS))
                                      .where(table.system == self._system, table.seq > seq)
                                      .order_by(table.seq).limit(limit)).all()
        return [(row[0], StatusReport(*row[1:])) for row in rows]

    def prune(self) -> None:
        """Forget reports that arrived longer ago than the retention period (work orders stay)."""
        with self._transaction() as connection:
            connection.execute(delete(DirectStatusReport).where(DirectStatusReport.system == self._system,
                                                                DirectStatusReport.received_at < self._cutoff()))

    def _orders(self):
        return DirectWorkOrder.system == self._system
