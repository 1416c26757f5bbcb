"""Tickets, their messages and attachments, idempotency keys, SLA and assignment tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fairdesk.db.base import Base, TimestampMixin, utcnow


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer: the SLA clock pauses
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class IntakeChannel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    API = "api"
    PORTAL = "portal"
    PHONE = "phone"


class MessageKind(StrEnum):
    CUSTOMER = "customer"  # written by the customer
    REPLY = "reply"  # public staff reply, sent to the customer
    NOTE = "note"  # internal note, never shown to the customer
    EVENT = "event"  # system event (status change, assignment, SLA)


class Ticket(TimestampMixin, Base):
    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random, not sequential: a reference in a subject line must not be guessable.
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    channel: Mapped[IntakeChannel] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300))
    status: Mapped[TicketStatus] = mapped_column(String(16), default=TicketStatus.NEW)
    priority: Mapped[Priority] = mapped_column(String(16), default=Priority.NORMAL)
    category: Mapped[str | None] = mapped_column(String(40))
    tags: Mapped[list[str]] = mapped_column(default=list)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_order.id", ondelete="SET NULL")
    )
    # SLA
    sla_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_policy.id", ondelete="SET NULL")
    )
    first_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    first_responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    sla_paused_at: Mapped[datetime | None]
    first_response_breached: Mapped[bool | None]
    resolution_breached: Mapped[bool | None]
    warned_first_response: Mapped[bool] = mapped_column(default=False)
    warned_resolution: Mapped[bool] = mapped_column(default=False)
    last_customer_message_at: Mapped[datetime | None]

    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", lazy="raise", order_by="Message.id"
    )

    __table_args__ = (
        Index("ix_ticket_status_due", "status", "first_response_due_at"),
        Index("ix_ticket_assignee_status", "assignee_id", "status"),
        Index("ix_ticket_customer", "customer_id", "created_at"),
        Index("ix_ticket_created_at", "created_at"),
    )


class Message(Base):
    __tablename__ = "ticket_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    kind: Mapped[MessageKind] = mapped_column(String(16))
    author_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    channel: Mapped[IntakeChannel] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)  # plain text; HTML mail is sanitised to text
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # E-mail threading and de-duplication.
    email_message_id: Mapped[str | None] = mapped_column(String(998), unique=True)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="messages", lazy="raise")
    attachments: Mapped[list[Attachment]] = relationship(lazy="raise", order_by="Attachment.id")

    __table_args__ = (Index("ix_ticket_message_ticket", "ticket_id", "id"),)


class Attachment(Base):
    __tablename__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ticket_message.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class IdempotencyKey(Base):
    """Remembers an API request so a retried POST returns the first answer, not a duplicate."""

    __tablename__ = "idempotency_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("staff_id", "key", name="uq_idempotency_key_staff_key"),)


class SlaCalendar(Base):
    """Business hours (per weekday, local time) and holidays that SLA clocks run on."""

    __tablename__ = "sla_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    # {"mon": [["09:00", "17:30"]], ...}; a missing day is closed; empty dict = 24/7.
    hours: Mapped[dict[str, Any]] = mapped_column(default=dict)
    holidays: Mapped[list[str]] = mapped_column(default=list)  # ISO dates


class SlaPolicy(Base):
    __tablename__ = "sla_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    priority: Mapped[Priority] = mapped_column(String(16))
    first_response_minutes: Mapped[int]
    resolution_minutes: Mapped[int]
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_calendar.id", ondelete="SET NULL")
    )
    segment: Mapped[str | None] = mapped_column(String(80))  # a segment key; NULL = everyone
    warn_before_minutes: Mapped[int] = mapped_column(default=30)
    active: Mapped[bool] = mapped_column(default=True)


class AgentAvailability(Base):
    """Who takes new tickets: round-robin goes to the available agent assigned longest ago."""

    __tablename__ = "agent_availability"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    available: Mapped[bool] = mapped_column(default=True)
    away_until: Mapped[datetime | None]
    last_assigned_at: Mapped[datetime | None]
    team_lead_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )


class CannedReply(TimestampMixin, Base):
    __tablename__ = "canned_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(40))
