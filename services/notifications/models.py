"""What notifications keeps: who hears about which request (addresses live only here), the news
they are told, the deliveries waiting to go out or done, surveys and opt-outs."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Request(Base):
    """What notifications knows of a request: enough to word messages and choose recipients."""
    __tablename__ = "requests"
    service_request_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    parent_request_id: Mapped[str | None] = mapped_column(String(40), index=True)  # a duplicate's parent
    stage: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str | None] = mapped_column(String(10))
    stage_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # of the stage above
    priority: Mapped[str | None] = mapped_column(String(12))
    department_name: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Subscription(Base):
    """Someone who hears about one request on one channel: its reporter, or a follower."""
    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("service_request_id", "channel", "address"),)
    subscription_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service_request_id: Mapped[str] = mapped_column(String(40), index=True)
    role: Mapped[str] = mapped_column(String(10))            # reporter | follower
    channel: Mapped[str] = mapped_column(String(10))         # email | sms
    address: Mapped[str] = mapped_column(String(254))        # normalised email or E.164 number
    first_name: Mapped[str | None] = mapped_column(String(120))  # no longer written (no message greets by name)
    language: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class News(Base):
    """A status change residents are told about; kept so a subscriber who arrives late catches up."""
    __tablename__ = "news"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service_request_id: Mapped[str] = mapped_column(String(40), index=True)
    message: Mapped[str] = mapped_column(String(40))
    details: Mapped[str] = mapped_column(Text)               # JSON: notes, agency, expected date
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """One message to one recipient on one channel, and the outbox the dispatcher works through.

    The unique key (source, channel, address) is what makes a redelivered event harmless.
    """
    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("source_id", "channel", "address"),
                      Index("ix_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_deliveries_recipient", "address", "sent_at"))
    delivery_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source_id: Mapped[str] = mapped_column(String(36))       # the event or survey it comes from
    service_request_id: Mapped[str] = mapped_column(String(40), index=True)  # the recipient's request
    about_request_id: Mapped[str] = mapped_column(String(40))  # the request whose news it is
    subscription_id: Mapped[str | None] = mapped_column(String(36))
    template: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text)
    unsubscribe_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(12))          # pending | sent | failed | cancelled
    hold_reason: Mapped[str | None] = mapped_column(String(20))  # quiet_hours | rate_limit | retry
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Survey(Base):
    """The follow-up survey of one reporter (one per report, however often it closes); answerable once."""
    __tablename__ = "surveys"
    __table_args__ = (UniqueConstraint("subscription_id"),)
    survey_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    service_request_id: Mapped[str] = mapped_column(String(40), index=True)
    subscription_id: Mapped[str] = mapped_column(String(36))
    language: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    fixed: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)


class OptOut(Base):
    """A phone number that texted STOP: it gets nothing more until it texts START."""
    __tablename__ = "opt_outs"
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
