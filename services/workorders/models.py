"""The adapter's links between our requests and the legacy work orders, and its sync state."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class WorkOrderLink(Base):
    """One request's work order in one legacy system: exactly one per request."""
    __tablename__ = "work_order_links"
    service_request_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    work_order_system: Mapped[str] = mapped_column(String(60), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)  # pending | created | failed | cancelled
    legacy_id: Mapped[str | None] = mapped_column(String(80), index=True)
    request: Mapped[dict] = mapped_column(JSON)                  # what we send, kept for resends
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    failure_permanent: Mapped[bool] = mapped_column(Boolean, default=False)
    routed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))   # of the RequestRouted applied
    previous_system: Mapped[str | None] = mapped_column(String(60))               # before a re-route
    previous_legacy_id: Mapped[str | None] = mapped_column(String(80))
    # A newer routing decision that came while another process held the lease: applied when it lets go.
    wanted_system: Mapped[str | None] = mapped_column(String(60))
    wanted_request: Mapped[dict | None] = mapped_column(JSON)
    wanted_routed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str | None] = mapped_column(String(20))
    legacy_status: Mapped[str | None] = mapped_column(String(80))
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Who may talk to the legacy system about this request: one process at a time, until then.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WorkOrderCancel(Base):
    """A work order a re-route left behind, to cancel until its system confirms or refuses (then kept as record)."""
    __tablename__ = "work_order_cancels"
    work_order_system: Mapped[str] = mapped_column(String(60), primary_key=True)
    legacy_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    service_request_id: Mapped[str] = mapped_column(String(40), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refusal: Mapped[str | None] = mapped_column(Text)           # why the system would not cancel it
    # Who is asking the system now: one process at a time, until then.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AppliedUpdate(Base):
    """Status changes already applied, by their deterministic id: the same change never goes out twice."""
    __tablename__ = "applied_updates"
    update_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    service_request_id: Mapped[str] = mapped_column(String(40), index=True)
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SyncCursor(Base):
    """Where status sync with each legacy system got to (opaque to us, meaningful to its client)."""
    __tablename__ = "sync_cursors"
    work_order_system: Mapped[str] = mapped_column(String(60), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
