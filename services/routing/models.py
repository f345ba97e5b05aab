"""Routing keeps each decision (to explain it later), the open requests for duplicate checks and triage."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class RoutedRequest(Base):
    """What routing knows of one request and what it decided."""
    __tablename__ = "routed_requests"
    service_request_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    service_code: Mapped[str] = mapped_column(String(60), index=True)
    service_name: Mapped[str | None] = mapped_column(String(200))
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str | None] = mapped_column(String(500))
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(20), index=True)   # routed | duplicate | triage
    open: Mapped[bool] = mapped_column(default=True, index=True)
    department: Mapped[str | None] = mapped_column(String(60))
    work_order_system: Mapped[str | None] = mapped_column(String(60))
    priority: Mapped[str | None] = mapped_column(String(20))
    district: Mapped[str | None] = mapped_column(String(60))
    neighbourhood: Mapped[str | None] = mapped_column(String(120))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rule_id: Mapped[str | None] = mapped_column(String(120))
    explanation: Mapped[str | None] = mapped_column(Text)
    parent_request_id: Mapped[str | None] = mapped_column(String(40), index=True)
    triage_reason_code: Mapped[str | None] = mapped_column(String(40))
    triage_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(120), default="routing")
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # A resident answered the survey after closure: not fixed. It waits on the follow-up list until staff
    # say what they did (a follow-up request filed, the department called...).
    not_fixed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    not_fixed_comment: Mapped[str | None] = mapped_column(Text)
    followed_up_by: Mapped[str | None] = mapped_column(String(120))
    followed_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    follow_up_note: Mapped[str | None] = mapped_column(Text)
