"""What the adapters keep in the workorders database: Transportation's journal (on every host the same)."""
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
