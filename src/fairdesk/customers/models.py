"""Customer, order and journey-event tables.

A customer row carries the four criteria the product segments on (demography, psychography,
lifestyle, usage & attitude) next to contact details, consent and lifecycle status.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fairdesk.db.base import Base, TimestampMixin


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    NONBINARY = "nonbinary"
    UNDISCLOSED = "undisclosed"


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    WEB = "web"
    SMS = "sms"


class LifecycleStatus(StrEnum):
    LEAD = "lead"
    ACTIVE = "active"
    LAPSED = "lapsed"
    CHURNED = "churned"
    PARTED = "parted"


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    FULFILLED = "fulfilled"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class JourneyStage(StrEnum):
    LEAD = "lead"
    FIRST_PURCHASE = "first_purchase"
    REPEAT = "repeat"
    LAPSED = "lapsed"
    REACTIVATED = "reactivated"
    CHURNED = "churned"


MONEY = Numeric(12, 2)


class Customer(TimestampMixin, Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    # contact
    first_name: Mapped[str] = mapped_column(String(120), default="")
    last_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    preferred_channel: Mapped[Channel] = mapped_column(String(16), default=Channel.EMAIL)
    consent_email: Mapped[bool] = mapped_column(default=True)
    consent_marketing: Mapped[bool] = mapped_column(default=False)
    lifecycle_status: Mapped[LifecycleStatus] = mapped_column(
        String(16), default=LifecycleStatus.LEAD, index=True
    )
    # demography
    birth_year: Mapped[int | None]
    gender: Mapped[Gender | None] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    region: Mapped[str | None] = mapped_column(String(120))
    city: Mapped[str | None] = mapped_column(String(120))
    education: Mapped[str | None] = mapped_column(String(40))
    income_band: Mapped[str | None] = mapped_column(String(40))
    household_size: Mapped[int | None]
    # psychography and lifestyle (tags)
    values: Mapped[list[str]] = mapped_column(default=list)
    interests: Mapped[list[str]] = mapped_column(default=list)
    personality: Mapped[list[str]] = mapped_column(default=list)
    lifestyle: Mapped[list[str]] = mapped_column(default=list)
    # usage & attitude
    usage_frequency: Mapped[str | None] = mapped_column(String(20))
    product_lines: Mapped[list[str]] = mapped_column(default=list)
    attitude: Mapped[str | None] = mapped_column(String(40))

    orders: Mapped[list[Order]] = relationship(
        back_populates="customer", lazy="raise", order_by="Order.placed_at.desc()"
    )
    journey_events: Mapped[list[JourneyEvent]] = relationship(
        back_populates="customer", lazy="raise", order_by="JourneyEvent.occurred_at"
    )

    __table_args__ = (
        CheckConstraint("household_size IS NULL OR household_size > 0", name="household_size"),
        # Sort keys end in id so a page of ids comes from the index alone (migration 0006,
        # which also adds the trigram search indexes that only exist per dialect).
        Index("ix_customer_name", "last_name", "first_name", "id"),
        Index("ix_customer_created_at", "created_at", "id"),
        Index("ix_customer_email", "email", "id"),
        # Intake finds a writer by case-insensitive e-mail (migration 0003_sla).
        Index("ix_customer_email_lower", func.lower(email)),
    )

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or (self.email or f"customer #{self.id}")


class Order(TimestampMixin, Base):
    __tablename__ = "customer_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    placed_at: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[OrderStatus] = mapped_column(String(20), default=OrderStatus.PAID)
    refunded_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal("0"))
    item_count: Mapped[int] = mapped_column(default=1)
    channel: Mapped[str] = mapped_column(String(20), default="web")
    delivered_at: Mapped[datetime | None]

    customer: Mapped[Customer] = relationship(back_populates="orders", lazy="raise")

    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
        CheckConstraint("item_count >= 0", name="item_count_nonnegative"),
        Index("ix_customer_order_customer_placed", "customer_id", "placed_at"),
    )


class JourneyEvent(Base):
    __tablename__ = "journey_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    stage: Mapped[JourneyStage] = mapped_column(String(20))
    event_type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)

    customer: Mapped[Customer] = relationship(back_populates="journey_events", lazy="raise")

    __table_args__ = (Index("ix_journey_event_customer_time", "customer_id", "occurred_at"),)
