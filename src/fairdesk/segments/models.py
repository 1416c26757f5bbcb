"""Segment tables: the segments themselves, stored memberships, per-customer scores and runs.

Three kinds of segment share one table so that "a segment" means the same thing everywhere
(filters, SLA, personas, goodwill): RFM segments and data-driven clusters are computed by
``fairdesk analyze`` and their membership is stored, with the time it was computed, as each
customer's row in ``customer_score`` (RFM segment code, cluster id); rule segments are a
manager's saved filter, evaluated live by SQL (see ``rules.py``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, TimestampMixin, utcnow


class SegmentKind(StrEnum):
    RFM = "rfm"  # recency/frequency/monetary named segment, computed
    CLUSTER = "cluster"  # data-driven cluster on the four criteria and behaviour, computed
    RULE = "rule"  # a manager's saved filter, evaluated live


class Segment(TimestampMixin, Base):
    __tablename__ = "segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "rfm:champions", "cluster:3", "rule:12": stable across recomputation.
    key: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[SegmentKind] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # A person renamed it: recomputation keeps the name instead of deriving a new one.
    name_edited: Mapped[bool] = mapped_column(default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[dict[str, Any] | None]  # rule segments: the validated rule tree
    is_target: Mapped[bool] = mapped_column(default=False, index=True)
    explanation: Mapped[list[str]] = mapped_column(default=list)  # plain-language phrases
    size: Mapped[int] = mapped_column(default=0)  # at computed_at
    computed_at: Mapped[datetime | None]
    model_version: Mapped[str | None] = mapped_column(String(80))
    # A cluster no later run matched: kept (with its personas and edits), without members.
    retired: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )


class CustomerScore(Base):
    """One customer's RFM scores and segment, cluster, fit and persona from the latest run.

    This row *is* the stored membership of the computed segments. It names segments and
    personas by id without foreign keys: every run rewrites the table, and checking three
    foreign keys per row tripled the time of writing a million rows; the one deletion that
    could leave a dangling id (a rule segment, with its personas) clears it explicitly. For
    the same reason only ``fit_score`` is indexed (best-fit lists): RFM segments and clusters
    are large shares of the base, which PostgreSQL reads faster by scanning than by index.
    """

    __tablename__ = "customer_score"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    computed_at: Mapped[datetime]
    orders: Mapped[int]
    spend: Mapped[float]
    recency_days: Mapped[float | None]  # None: no purchases
    r_score: Mapped[int]  # 1-5; 0 without purchases
    f_score: Mapped[int]
    m_score: Mapped[int]
    rfm_segment: Mapped[str] = mapped_column(String(40))
    cluster_segment_id: Mapped[int | None]
    fit_score: Mapped[float | None] = mapped_column(index=True)  # 0-100; None: no targets
    fit_segment_id: Mapped[int | None]
    persona_id: Mapped[int | None]


class SegmentRun(Base):
    """One recomputation: the clustering criterion and its outcome, and what was unknown."""

    __tablename__ = "segment_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    model_version: Mapped[str] = mapped_column(String(80))
    n_customers: Mapped[int]
    n_buyers: Mapped[int]
    clustered: Mapped[bool]
    k: Mapped[int | None]
    criterion: Mapped[str] = mapped_column(Text)
    silhouette: Mapped[float | None]
    # {"2": 0.21, "3": 0.25, ...}; {"age": 512, ...}; RFM quintile edges; fit targets
    silhouette_by_k: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unknown_counts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str] = mapped_column(Text, default="")


class SegmentSnapshot(Base):
    """Size, revenue and CLV of a segment at one run: the trend on the overview page."""

    __tablename__ = "segment_snapshot"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"))
    computed_at: Mapped[datetime]
    size: Mapped[int]
    revenue: Mapped[float]
    clv: Mapped[float]

    __table_args__ = (Index("ix_segment_snapshot_segment_time", "segment_id", "computed_at"),)
