"""Staff accounts, their sessions, and callers who follow a request they did not file."""
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.models import Base


class StaffAccount(Base):
    """A call-taker or supervisor who signs in to the console; the password only as an argon2 hash."""
    __tablename__ = "staff_accounts"
    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30), default="call_taker")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class StaffSession(Base):
    """A signed-in browser; only a hash of its cookie is stored, so a database leak signs no one in."""
    __tablename__ = "staff_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(ForeignKey("staff_accounts.username"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInFailures(Base):
    """Failed sign-ins of one account or one client address, and how long it is locked out (signin_throttle.py)."""
    __tablename__ = "signin_failures"
    key: Mapped[str] = mapped_column(String(120), primary_key=True)    # "account:ana", "address:203.0.113.7"
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RequestFollower(Base):
    """A caller attached to an existing request instead of filing a duplicate; told its news too."""
    __tablename__ = "request_followers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_pk: Mapped[int] = mapped_column(ForeignKey("service_requests.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    first_name: Mapped[str | None] = mapped_column(String(120))
    last_name: Mapped[str | None] = mapped_column(String(120))
    notify_by: Mapped[str] = mapped_column(String(10), default="none")
    language: Mapped[str] = mapped_column(String(5), default="en")
    channel: Mapped[str] = mapped_column(String(40))
    call_taker: Mapped[str | None] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
