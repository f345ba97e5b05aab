"""Facts metrics keeps: one row per service request, one per information contact. No personal data.

Locations are stored already rounded to about a hundred metres and addresses as
their block (no house number); no free text is
stored except the crew's resolution, scrubbed of e-mail addresses and phone
numbers first. Times are timezone-aware UTC on every database.
"""
from datetime import datetime, timezone

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out; SQLite keeps no offset, so it stores UTC wall-clock time.

    The column type is DateTime(timezone=True): after regenerating the migration, write
    `sa.DateTime(timezone=True)` where autogenerate wrote `services.metrics.models.UTCDateTime(...)`.
    """
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: facts keep aware UTC times")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime()}


class RequestFact(Base):
    """The lifecycle of one service request; any event may arrive first and create it."""
    __tablename__ = "request_facts"
    service_request_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    # Milestones: earliest time seen, except closed_at / reopened_at (latest), so the fold
    # gives the same row whatever order the events arrive in.
    created_at: Mapped[datetime | None] = mapped_column()
    routed_at: Mapped[datetime | None] = mapped_column()
    work_order_at: Mapped[datetime | None] = mapped_column()
    first_update_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    reopened_at: Mapped[datetime | None] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    # What and where: the newest routing decision wins (route_decided_at orders them).
    channel: Mapped[str | None] = mapped_column(String(40))
    service_code: Mapped[str | None] = mapped_column(String(60))
    service_name: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(60))
    department_name: Mapped[str | None] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(60))
    neighbourhood: Mapped[str | None] = mapped_column(String(120))
    priority: Mapped[str | None] = mapped_column(String(20))
    route_decided_at: Mapped[datetime | None] = mapped_column()
    lat: Mapped[float | None] = mapped_column(Float)
    long: Mapped[float | None] = mapped_column(Float)
    # "100 block of Peachtree St SE" (blocks.py): never the house number, which stays with intake.
    address_block: Mapped[str | None] = mapped_column(String(200))
    # Public status as residents see it (newest change wins).
    status: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str | None] = mapped_column(String(40))
    status_changed_at: Mapped[datetime | None] = mapped_column()
    duplicate_of: Mapped[str | None] = mapped_column(String(40))
    triage_reason: Mapped[str | None] = mapped_column(String(40))
    triaged_at: Mapped[datetime | None] = mapped_column()
    work_order_system: Mapped[str | None] = mapped_column(String(60))
    work_order_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    resolution_code: Mapped[str | None] = mapped_column(String(80))
    resolution: Mapped[str | None] = mapped_column(String(1000))
    survey_satisfaction: Mapped[int | None] = mapped_column(Integer)
    survey_fixed: Mapped[bool | None] = mapped_column(Boolean)
    survey_at: Mapped[datetime | None] = mapped_column()
    notifications_sent: Mapped[int] = mapped_column(Integer, default=0)
    notifications_failed: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        Index("ix_request_facts_created_at", "created_at"),
        Index("ix_request_facts_open", "is_open", "due_at"),
        Index("ix_request_facts_department", "department"),
        Index("ix_request_facts_district", "district"),
        Index("ix_request_facts_updated_at", "updated_at"),
    )


class InformationFact(Base):
    """One answered information contact."""
    __tablename__ = "information_facts"
    contact_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    topic: Mapped[str] = mapped_column(String(300))
    article_id: Mapped[str | None] = mapped_column(String(80))
    department: Mapped[str | None] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(40))
    logged_at: Mapped[datetime] = mapped_column(index=True)


class MeasuresPeriod(Base):
    """A period whose measures update went on the stream, and the facts it was computed from.

    The instance that inserts a period's row publishes its update; the others, finding the row, do not.
    """
    __tablename__ = "measures_periods"
    period_start: Mapped[datetime] = mapped_column(primary_key=True)
    facts_marker: Mapped[str] = mapped_column(String(80))
