"""Policy versions, the gesture ledger and per-agent budget counters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.customers.models import MONEY
from fairdesk.db.base import Base, utcnow


class GestureStatus(StrEnum):
    GRANTED = "granted"
    PENDING = "pending"  # waiting on a manager
    DECLINED = "declined"


class BudgetPeriod(StrEnum):
    DAY = "day"
    MONTH = "month"


class PolicyVersion(Base):
    """One immutable version of the goodwill policy; the highest number is in force."""

    __tablename__ = "goodwill_policy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    source: Mapped[str] = mapped_column(Text)  # the YAML as submitted, comments kept
    document: Mapped[dict[str, Any]]  # the validated, normalised policy
    note: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Gesture(Base):
    """One goodwill gesture, granted, pending approval or declined, with the decision behind it.

    The decision is stored with its inputs and the policy version (DESIGN convention 9), so
    anyone can later see exactly which rule allowed it and on what facts.
    """

    __tablename__ = "goodwill_gesture"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_order.id", ondelete="SET NULL")
    )
    request_key: Mapped[str] = mapped_column(String(64))
    remedy: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[GestureStatus] = mapped_column(String(16))
    category: Mapped[str | None] = mapped_column(String(40))
    segment: Mapped[str | None] = mapped_column(String(40))
    rule: Mapped[str] = mapped_column(String(80))
    reasons: Mapped[list[str]] = mapped_column(default=list)
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Whether the amount counts against the agent's own daily and monthly discretion.
    charged_to_budget: Mapped[bool] = mapped_column(default=False)
    policy_version_id: Mapped[int] = mapped_column(
        ForeignKey("goodwill_policy_version.id", ondelete="RESTRICT")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    approver_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    note: Mapped[str] = mapped_column(Text, default="")
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("ticket_id", "request_key", name="uq_goodwill_gesture_ticket_key"),
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        Index("ix_goodwill_gesture_customer", "customer_id", "created_at"),
        Index("ix_goodwill_gesture_status", "status", "created_at"),
        Index("ix_goodwill_gesture_actor", "actor_id", "created_at"),
    )


class Budget(Base):
    """What one staff member has granted in one day or month, against their discretion.

    Reservations are one conditional UPDATE (``spent + x <= limit``), so parallel grants on
    any number of connections can never push ``spent`` past the limit.
    """

    __tablename__ = "goodwill_budget"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[BudgetPeriod] = mapped_column(String(8), primary_key=True)
    starts_on: Mapped[date] = mapped_column(primary_key=True)
    spent: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    gestures: Mapped[int] = mapped_column(default=0)
