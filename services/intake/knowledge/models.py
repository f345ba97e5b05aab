"""Knowledge articles and the information contacts answered with them (intake's database)."""
from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.intake.models import Base


class KnowledgeArticle(Base):
    """One question and its answer; `valid_from` / `valid_until` bound seasonal items and events."""
    __tablename__ = "knowledge_articles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, index=True)
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)
    department: Mapped[str | None] = mapped_column(String(60))
    keywords: Mapped[str] = mapped_column(Text, default="")
    # The article in Spanish (optional): read to Spanish-speaking callers, searched with its own words.
    question_es: Mapped[str | None] = mapped_column(String(300))
    answer_es: Mapped[str | None] = mapped_column(Text)
    keywords_es: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    sample: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(120))


class InformationContact(Base):
    """An information-only contact that was answered (the ~70% of calls that file nothing)."""
    __tablename__ = "information_contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    contact_id: Mapped[str] = mapped_column(String(40), unique=True, index=True)
    topic: Mapped[str] = mapped_column(String(300))
    article_slug: Mapped[str | None] = mapped_column(String(80))
    department: Mapped[str | None] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(40))
    call_taker: Mapped[str | None] = mapped_column(String(120))
    logged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
