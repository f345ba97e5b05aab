"""Intake owns the public record of each request, and the reporter's contact details."""
from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class ServiceRequest(Base):
    """One service request and its public status, as residents and Open311 clients see it."""
    __tablename__ = "service_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    service_request_id: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    jurisdiction_id: Mapped[str] = mapped_column(String(120))
    service_code: Mapped[str] = mapped_column(String(60), index=True)
    service_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    address_id: Mapped[str | None] = mapped_column(String(120))
    zipcode: Mapped[str | None] = mapped_column(String(20))
    media_url: Mapped[str | None] = mapped_column(String(2000))
    channel: Mapped[str] = mapped_column(String(40))
    client_application: Mapped[str | None] = mapped_column(String(120))
    call_taker: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    stage: Mapped[str] = mapped_column(String(30), default="received")
    status_notes: Mapped[str] = mapped_column(Text, default="")
    agency_responsible: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(60))
    district: Mapped[str | None] = mapped_column(String(60))
    neighbourhood: Mapped[str | None] = mapped_column(String(120))
    parent_request_id: Mapped[str | None] = mapped_column(String(40))
    legacy_id: Mapped[str | None] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    expected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_work_update_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When routing published the decision shown, and workorders the work order shown (see public_record).
    route_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    work_order_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[list["RequestNote"]] = relationship(order_by="RequestNote.id", lazy="selectin")


class RequestNote(Base):
    """The timeline of what happened to a request (Open311 `notes` extension)."""
    __tablename__ = "request_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_pk: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    type: Mapped[str] = mapped_column(String(30))
    summary: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReporterContact(Base):
    """Personal data: stored for notifications and staff, never exposed by the public API."""
    __tablename__ = "reporter_contacts"
    request_pk: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    device_id: Mapped[str | None] = mapped_column(String(120))
    account_id: Mapped[str | None] = mapped_column(String(120))
    notify_by: Mapped[str] = mapped_column(String(10), default="none")
    language: Mapped[str] = mapped_column(String(5), default="en")
