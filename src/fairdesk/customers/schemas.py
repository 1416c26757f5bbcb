"""Pydantic shapes of customers and orders for the API and the importer."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, field_validator

from fairdesk.customers.models import Channel, Gender, JourneyStage, LifecycleStatus, OrderStatus

T = TypeVar("T")


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamp needs a time zone, e.g. 2026-01-31T10:00:00Z")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Tag = Annotated[str, Field(min_length=1, max_length=60)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. GBP")]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class CustomerFields(BaseModel):
    """Every writable customer field; all optional so the same shape serves updates."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    first_name: str | None = Field(default=None, max_length=120)
    last_name: str | None = Field(default=None, max_length=120)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    preferred_channel: Channel | None = None
    consent_email: bool | None = None
    consent_marketing: bool | None = None
    lifecycle_status: LifecycleStatus | None = None
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    gender: Gender | None = None
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    region: str | None = Field(default=None, max_length=120)
    city: str | None = Field(default=None, max_length=120)
    education: str | None = Field(default=None, max_length=40)
    income_band: str | None = Field(default=None, max_length=40)
    household_size: int | None = Field(default=None, ge=1, le=50)
    values: list[Tag] | None = None
    interests: list[Tag] | None = None
    personality: list[Tag] | None = None
    lifestyle: list[Tag] | None = None
    usage_frequency: str | None = Field(default=None, max_length=20)
    product_lines: list[Tag] | None = None
    attitude: str | None = Field(default=None, max_length=40)

    @field_validator("country", mode="before")
    @classmethod
    def _upper_country(cls, v: object) -> object:
        return v.upper() if isinstance(v, str) else v


class CustomerCreate(CustomerFields):
    external_id: str | None = Field(default=None, min_length=1, max_length=128)


class CustomerUpdate(CustomerFields):
    pass


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str | None
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    preferred_channel: Channel
    consent_email: bool
    consent_marketing: bool
    lifecycle_status: LifecycleStatus
    birth_year: int | None
    gender: Gender | None
    country: str | None
    region: str | None
    city: str | None
    education: str | None
    income_band: str | None
    household_size: int | None
    values: list[str]
    interests: list[str]
    personality: list[str]
    lifestyle: list[str]
    usage_frequency: str | None
    product_lines: list[str]
    attitude: str | None
    created_at: datetime
    updated_at: datetime


class OrderFields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    placed_at: AwareDatetime | None = None
    amount: Money | None = None
    currency: CurrencyCode | None = None
    status: OrderStatus | None = None
    refunded_amount: Money | None = None
    item_count: int | None = Field(default=None, ge=0, le=100_000)
    channel: str | None = Field(default=None, max_length=20)
    delivered_at: AwareDatetime | None = None


class OrderCreate(OrderFields):
    external_id: str = Field(min_length=1, max_length=128)
    customer_id: int = Field(gt=0)
    placed_at: AwareDatetime
    amount: Money
    currency: CurrencyCode


class OrderUpdate(OrderFields):
    pass


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    external_id: str
    customer_id: int
    placed_at: datetime
    amount: Decimal
    currency: str
    status: OrderStatus
    refunded_amount: Decimal
    item_count: int
    channel: str
    delivered_at: datetime | None


class JourneyEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    stage: JourneyStage
    event_type: str
    occurred_at: datetime


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
