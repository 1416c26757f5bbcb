"""Improvement tables: what changed because customers asked, and who was told (once).

``improvement_notification`` holds one row per improvement and customer, made unique by the
database: shipping twice, or a worker re-running, can never tell a customer twice.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, TimestampMixin, utcnow


class ImprovementStatus(StrEnum):
    PLANNED = "planned"
    SHIPPED = "shipped"


class NotificationStatus(StrEnum):
    QUEUED = "queued"  # an e-mail is in the outbox
    SKIPPED = "skipped"  # the customer does not allow contact; the reason is kept


class Improvement(TimestampMixin, Base):
    """A change the business made; ``title`` and ``description`` are public, customer-safe."""

    __tablename__ = "improvement"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ImprovementStatus] = mapped_column(String(16), default=ImprovementStatus.PLANNED)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    planned_for: Mapped[date | None]
    shipped_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    __table_args__ = (Index("ix_improvement_status", "status", "shipped_at"),)


class ImprovementTheme(Base):
    __tablename__ = "improvement_theme"

    improvement_id: Mapped[int] = mapped_column(
        ForeignKey("improvement.id", ondelete="CASCADE"), primary_key=True
    )
    theme_id: Mapped[int] = mapped_column(
        ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True
    )
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImprovementNotification(Base):
    __tablename__ = "improvement_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvement.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    status: Mapped[NotificationStatus] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    outbox_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint(
            "improvement_id", "customer_id", name="uq_improvement_notification_customer"
        ),
    )
