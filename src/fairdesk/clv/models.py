"""Stored CLV results: one row per fit, and each customer's latest values from it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, utcnow


class ClvFit(Base):
    """A fitted BG/NBD + Gamma-Gamma pair with everything needed to audit it."""

    __tablename__ = "clv_fit"

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    observation_end: Mapped[datetime]
    model_version: Mapped[str] = mapped_column(String(80))
    time_unit: Mapped[str] = mapped_column(String(8))
    n_customers: Mapped[int]
    n_repeat_buyers: Mapped[int]
    horizon_months: Mapped[int]
    monthly_discount_rate: Mapped[float]
    # {"model": {...params}, "standard_errors": {...}, "log_likelihood": x, "n_iter": n}
    transaction_model: Mapped[dict[str, Any]] = mapped_column(default=dict)
    spend_model: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CustomerValue(Base):
    __tablename__ = "customer_value"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    fit_id: Mapped[int] = mapped_column(ForeignKey("clv_fit.id", ondelete="CASCADE"))
    computed_at: Mapped[datetime]
    frequency: Mapped[int]
    recency: Mapped[float]
    age: Mapped[float]  # T: time since first purchase, in the fit's time unit
    monetary: Mapped[float]
    p_alive: Mapped[float]
    expected_purchases_90d: Mapped[float]
    expected_spend: Mapped[float]
    clv: Mapped[float]

    __table_args__ = (Index("ix_customer_value_clv", "clv"),)
