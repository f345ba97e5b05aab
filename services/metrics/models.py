"""Facts metrics keeps: one row per service request, one per information contact. No personal data."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class RequestFact(Base):
    """The lifecycle of one service request; any event may arrive first and create it."""
    __tablename__ = "request_facts"
    service_request_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    routed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    work_order_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_update_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str | None] = mapped_column(String(40))
    service_code: Mapped[str | None] = mapped_column(String(60), index=True)
    department: Mapped[str | None] = mapped_column(String(60), index=True)
    district: Mapped[str | None] = mapped_column(String(60), index=True)
    priority: Mapped[str | None] = mapped_column(String(20))
    duplicate_of: Mapped[str | None] = mapped_column(String(40))
    triage_reason: Mapped[str | None] = mapped_column(String(40))
    work_order_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    notifications_sent: Mapped[float] = mapped_column(Float, default=0)


class InformationFact(Base):
    """One answered information contact."""
    __tablename__ = "information_facts"
    contact_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic: Mapped[str] = mapped_column(String(300))
    department: Mapped[str | None] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(40))
    logged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
