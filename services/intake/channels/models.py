"""What intake keeps of channel messages: each one's answer (once per message id), and the replies to send."""
from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.models import Base


class ChannelMessage(Base):
    """One channel message and the answer it got; the same (channel, message id) again gets that answer."""
    __tablename__ = "channel_messages"
    __table_args__ = (UniqueConstraint("channel", "message_id", name="uq_channel_messages_channel_message_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(40))
    message_id: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))                 # request | information
    status: Mapped[str | None] = mapped_column(String(10))        # accepted | rejected
    reference: Mapped[str | None] = mapped_column(String(40))     # the tracking id or the contact id
    reply: Mapped[str | None] = mapped_column(Text)               # the ChannelReply body, sent again verbatim
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ChannelReply(Base):
    """A reply to send to a reply_to queue: intake's outbox for answers, one row per message answered."""
    __tablename__ = "channel_replies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reply_to: Mapped[str] = mapped_column(String(255))
    correlation_id: Mapped[str | None] = mapped_column(String(255))
    payload: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), index=True)    # pending | sent | dropped
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
