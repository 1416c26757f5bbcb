"""Fairness tables: signals with their evidence, review cases, decisions, appeals, restrictions,
agents' private interaction ratings and per-customer routing to a senior queue."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, utcnow


class SignalKind(StrEnum):
    CLAIM_RATE = "claim_rate"  # refund/claim rate against segment peers (robust z-score)
    NEAR_LIMIT = "near_limit"  # claims clustered just under the no-receipt or discretion limit
    NOT_RECEIVED = "not_received"  # repeated "not received" claims
    WARDROBING = "wardrobing"  # buy, use, return
    CLAIM_AFTER_DELIVERY = "claim_after_delivery"  # claims on orders with confirmed delivery
    ABUSE_TOWARD_STAFF = "abuse_toward_staff"  # abusive or threatening messages (from triage)
    AGENT_RATING = "agent_rating"  # agents' own ratings of the interactions


class CaseStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"


class DecisionKind(StrEnum):
    DISMISS = "dismiss"
    WARN = "warn"
    RESTRICT = "restrict"
    PART_WAYS = "part_ways"


class RestrictionKind(StrEnum):
    RECEIPTS_REQUIRED = "receipts_required"
    NO_QUESTIONS_ASKED_OFF = "no_questions_asked_off"
    EMAIL_ONLY = "email_only"
    PARTED = "parted"  # set by a part-ways decision


class AppealStatus(StrEnum):
    PENDING = "pending"
    UPHELD = "upheld"  # the decision stands
    OVERTURNED = "overturned"  # the restriction is lifted


class FairnessSignal(Base):
    """The latest value of one signal kind for one customer, with the evidence behind it.

    ``evidence`` holds ids of the orders, tickets, messages and gestures that produced it and
    the figures quoted in ``reason``; ``evidence_key`` is a digest of those ids. A dismissal
    copies it to ``reviewed_key`` so recomputing the same evidence never reopens a case.
    """

    __tablename__ = "fairness_signal"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    kind: Mapped[SignalKind] = mapped_column(String(40))
    strength: Mapped[float] = mapped_column(Float)  # 0..1, how far past its threshold
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence_key: Mapped[str] = mapped_column(String(64))
    reviewed_key: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("customer_id", "kind", name="uq_fairness_signal_customer_kind"),
        Index("ix_fairness_signal_kind", "kind"),
    )


class FairnessCase(Base):
    """A review of one customer, opened when their unreviewed signals pass the threshold.

    ``dossier`` is the evidence snapshot at opening (signals, value, segment, history, harm on
    both sides), so the decision can be audited against what the manager saw. At most one open
    case per customer (a partial unique index).
    """

    __tablename__ = "fairness_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    status: Mapped[CaseStatus] = mapped_column(String(16), default=CaseStatus.OPEN)
    score: Mapped[float] = mapped_column(Float)
    summary: Mapped[str] = mapped_column(Text)
    signal_kinds: Mapped[list[str]] = mapped_column(default=list)
    evidence_key: Mapped[str] = mapped_column(String(64))
    dossier: Mapped[dict[str, Any]] = mapped_column(default=dict)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    __table_args__ = (
        Index(
            "uq_fairness_case_one_open",
            "customer_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        Index("ix_fairness_case_status", "status", "opened_at"),
    )


class FairnessDecision(Base):
    """A manager's decision on a case, with its reason; one per case (unique)."""

    __tablename__ = "fairness_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("fairness_case.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    kind: Mapped[DecisionKind] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    restriction: Mapped[RestrictionKind | None] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")  # the warning or notice sent
    retention: Mapped[str | None] = mapped_column(String(16))  # part ways: "keep" or "erase"
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class FairnessRestriction(Base):
    """One policy restricted for one customer by a decision; goodwill and intake read it."""

    __tablename__ = "fairness_restriction"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    decision_id: Mapped[int] = mapped_column(ForeignKey("fairness_decision.id", ondelete="CASCADE"))
    kind: Mapped[RestrictionKind] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    starts_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_fairness_restriction_customer", "customer_id", "active"),)


class FairnessAppeal(Base):
    """A customer's appeal of a restriction or parting, reviewed by a different manager."""

    __tablename__ = "fairness_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("fairness_decision.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[AppealStatus] = mapped_column(String(16), default=AppealStatus.PENDING)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_fairness_appeal_status", "status", "submitted_at"),)


class InteractionRating(Base):
    """An agent's private rating of a ticket's interaction, given at close; never shown to
    the customer. 1 = abusive or hostile toward staff … 5 = pleasant."""

    __tablename__ = "fairness_interaction_rating"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    rating: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("ticket_id", "staff_id", name="uq_fairness_interaction_rating_ticket"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        Index("ix_fairness_interaction_rating_customer", "customer_id"),
    )


class CustomerRouting(Base):
    """A manager's choice to route one customer's new messages to a senior queue.

    Messages are still stored, acknowledged, answered within SLA and never dropped; only who
    answers them changes.
    """

    __tablename__ = "fairness_customer_routing"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    queue: Mapped[str] = mapped_column(String(40), default="senior")
    reason: Mapped[str] = mapped_column(Text)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
