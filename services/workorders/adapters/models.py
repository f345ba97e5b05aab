"""What the adapters keep in the workorders database: the journals of Transportation and of the departments on
direct events (on every host the same, each system's rows its own)."""
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.workorders.models import Base

# BigInteger on PostgreSQL, INTEGER PRIMARY KEY (rowid, numbered in arrival order) on SQLite.
_ARRIVAL = BigInteger().with_variant(Integer(), "sqlite")


class TransportationJournalId(Base):
    """Each system's journal identity: a cursor numbered in another journal does not apply to this one."""
    __tablename__ = "transportation_journals"
    system: Mapped[str] = mapped_column(String(60), primary_key=True)
    journal_id: Mapped[str] = mapped_column(String(32))


class TransportationAcknowledgement(Base):
    """An Acknowledge taken off a system's queue, kept once by its BODID, in arrival order."""
    __tablename__ = "transportation_acknowledgements"
    __table_args__ = (UniqueConstraint("system", "bod_id", name="uq_transportation_acknowledgements_bod"),
                      Index("ix_transportation_acknowledgements_correlation", "system", "correlation_id"))
    arrival: Mapped[int] = mapped_column(_ARRIVAL, primary_key=True, autoincrement=True)
    system: Mapped[str] = mapped_column(String(60))
    bod_id: Mapped[str] = mapped_column(String(80))
    correlation_id: Mapped[str] = mapped_column(String(80))
    original_bod_id: Mapped[str] = mapped_column(String(80))
    accepted: Mapped[bool] = mapped_column(Boolean)
    legacy_id: Mapped[str | None] = mapped_column(String(80))
    external_reference: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str | None] = mapped_column(String(80))
    reason_code: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class TransportationSyncDocument(Base):
    """A Sync document taken off a system's queue, kept once by its BODID, numbered in arrival order."""
    __tablename__ = "transportation_sync_documents"
    __table_args__ = (UniqueConstraint("system", "bod_id", name="uq_transportation_sync_documents_bod"),
                      Index("ix_transportation_sync_documents_arrival", "system", "seq"))
    seq: Mapped[int] = mapped_column(_ARRIVAL, primary_key=True, autoincrement=True)
    system: Mapped[str] = mapped_column(String(60))
    bod_id: Mapped[str] = mapped_column(String(80))
    legacy_id: Mapped[str] = mapped_column(String(80))
    external_reference: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(80))
    resolution: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[str] = mapped_column(String(40))   # the system's own time, as it wrote it
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class DirectJournalId(Base):
    """Each direct-events system's journal identity: a cursor numbered in another journal does not apply to this one."""
    __tablename__ = "direct_journals"
    system: Mapped[str] = mapped_column(String(60), primary_key=True)
    journal_id: Mapped[str] = mapped_column(String(32))


class DirectWorkOrder(Base):
    """A work order a department on direct events was sent (the broker confirmed it): open, or cancelled since."""
    __tablename__ = "direct_work_orders"
    __table_args__ = (Index("ix_direct_work_orders_reference", "system", "reference"),)
    system: Mapped[str] = mapped_column(String(60), primary_key=True)
    work_order_id: Mapped[str] = mapped_column(String(200), primary_key=True)   # <department>:<tracking id>:<n>
    reference: Mapped[str] = mapped_column(String(80))                          # our tracking id
    generation: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20))                              # open | cancelled
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DirectStatusReport(Base):
    """A department's status report taken off its status queue, kept once by its update id, numbered in arrival
    order."""
    __tablename__ = "direct_status_reports"
    __table_args__ = (UniqueConstraint("system", "update_id", name="uq_direct_status_reports_update"),
                      Index("ix_direct_status_reports_arrival", "system", "seq"))
    seq: Mapped[int] = mapped_column(_ARRIVAL, primary_key=True, autoincrement=True)
    system: Mapped[str] = mapped_column(String(60))
    update_id: Mapped[str] = mapped_column(String(120))
    work_order_id: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(40))
    changed_at: Mapped[str] = mapped_column(String(64))   # the department's own time, as it wrote it
    resolution: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
