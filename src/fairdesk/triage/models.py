"""Stored triage: one row per customer message, one summary row per ticket for the inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, utcnow


class MessageTriage(Base):
    """What triage said about one customer message, with the model version that said it.

    The message body itself is never changed: masking happens when it is shown (rule 1).
    """

    __tablename__ = "message_triage"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_message.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    sentiment: Mapped[float] = mapped_column(Float)
    anger: Mapped[float] = mapped_column(Float)
    anger_level: Mapped[str] = mapped_column(String(16))
    urgency: Mapped[float] = mapped_column(Float)
    urgency_level: Mapped[str] = mapped_column(String(16))
    urgency_reasons: Mapped[list[str]] = mapped_column(default=list)
    topic: Mapped[str] = mapped_column(String(40))
    topic_confidence: Mapped[float] = mapped_column(Float)
    tone: Mapped[str] = mapped_column(String(16))
    abusive: Mapped[bool] = mapped_column(default=False)
    threat: Mapped[bool] = mapped_column(default=False)
    abuse_kinds: Mapped[list[str]] = mapped_column(default=list)
    spans: Mapped[list[list[int]]] = mapped_column(JSON, default=list)  # [[start, end], …]
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)  # evidence and explanations
    model_version: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_message_triage_ticket", "ticket_id", "message_id"),)


class TicketTriage(Base):
    """Per-ticket summary the inbox sorts and filters on (urgency, sentiment, abuse mark).

    Urgency is the highest of the ticket's customer messages; sentiment and anger are the
    latest message's (how the customer feels now); the topic is the first message's.
    """

    __tablename__ = "ticket_triage"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True
    )
    urgency: Mapped[float] = mapped_column(Float)
    urgency_level: Mapped[str] = mapped_column(String(16))
    sentiment: Mapped[float] = mapped_column(Float)
    anger: Mapped[float] = mapped_column(Float)
    topic: Mapped[str] = mapped_column(String(40))
    abusive: Mapped[bool] = mapped_column(default=False)
    threat: Mapped[bool] = mapped_column(default=False)
    messages: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The latest customer message as the inbox shows it (masked, one line), stored when it is
    # triaged. NULL on summaries written before migration 0011: computed when shown.
    preview: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_ticket_triage_urgency", "urgency"),
        Index("ix_ticket_triage_sentiment", "sentiment"),
        Index("ix_ticket_triage_abusive", "abusive"),
        # The inbox's abuse filter: the few flagged tickets, without reading every summary.
        Index(
            "ix_ticket_triage_flagged",
            "ticket_id",
            sqlite_where=text("abusive OR threat"),
            postgresql_where=text("abusive OR threat"),
        ),
    )
