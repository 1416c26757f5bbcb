"""The fields a rule segment may filter on, their types, and their SQL expressions.

One catalogue serves the validator (unknown field, wrong type of value), the editor (labels,
groups, choices) and the compiler (the SQL expression, and which joins it needs). Order and
value measures come from a per-customer aggregate of orders, the stored CLV values and the
stored RFM/fit scores; customers without them have unknown (NULL) measures - except order
count and total spend, which are 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, cast, func, literal, select
from sqlalchemy.sql import ColumnElement, Subquery

from fairdesk.clv.models import CustomerValue
from fairdesk.customers.models import Channel, Customer, Gender, LifecycleStatus, Order, OrderStatus
from fairdesk.segments.models import CustomerScore
from fairdesk.segments.rfm import RfmSegment

EXCLUDED_ORDERS = (OrderStatus.CANCELLED, OrderStatus.REFUNDED)


class FieldType(StrEnum):
    NUMBER = "number"
    TEXT = "text"
    TAGS = "tags"
    DATE = "date"
    BOOL = "bool"


class Join(StrEnum):
    ORDERS = "orders"
    VALUE = "value"
    SCORE = "score"


@dataclass(frozen=True)
class Context:
    """What an expression may refer to: the order aggregate and the time rules run at."""

    orders: Subquery
    now: datetime


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    label: str
    group: str
    expr: Callable[[Context], ColumnElement[Any]] | None  # None for tags: see tag_columns
    join: Join | None = None
    choices: tuple[str, ...] = ()
    tag_columns: tuple[Any, ...] = ()  # JSON list columns a tag field searches


def order_aggregate() -> Subquery:
    """Per-customer count, net spend and first/last order over orders that stood."""
    return (
        select(
            Order.customer_id.label("customer_id"),
            func.count().label("order_count"),
            func.sum(Order.amount - Order.refunded_amount).label("total_spend"),
            func.max(Order.placed_at).label("last_order_at"),
            func.min(Order.placed_at).label("first_order_at"),
        )
        .where(Order.status.not_in(EXCLUDED_ORDERS))
        .group_by(Order.customer_id)
        .subquery("order_summary")
    )


def _col(column: Any) -> Callable[[Context], ColumnElement[Any]]:
    return lambda _ctx: column


def _tags(name: str, label: str, group: str, *columns: Any) -> FieldSpec:
    return FieldSpec(name, FieldType.TAGS, label, group, None, tag_columns=columns)


DEMOGRAPHY, PSYCHOGRAPHY, LIFESTYLE, USAGE = "Demography", "Psychography", "Lifestyle", \
    "Usage & attitude"
BEHAVIOUR, VALUE, CONTACT = "Orders", "Value & RFM", "Contact & lifecycle"
TAG_COLUMNS = {"values": Customer.values, "interests": Customer.interests,
               "personality": Customer.personality, "lifestyle": Customer.lifestyle,
               "product_lines": Customer.product_lines}

_T = FieldType
FIELDS: dict[str, FieldSpec] = {f.name: f for f in (
    FieldSpec("age", _T.NUMBER, "Age (years)", DEMOGRAPHY,
              lambda ctx: literal(ctx.now.year) - Customer.birth_year),
    FieldSpec("birth_year", _T.NUMBER, "Birth year", DEMOGRAPHY, _col(Customer.birth_year)),
    FieldSpec("gender", _T.TEXT, "Gender", DEMOGRAPHY, _col(Customer.gender),
              choices=tuple(Gender)),
    FieldSpec("country", _T.TEXT, "Country (ISO code)", DEMOGRAPHY, _col(Customer.country)),
    FieldSpec("region", _T.TEXT, "Region", DEMOGRAPHY, _col(Customer.region)),
    FieldSpec("city", _T.TEXT, "City", DEMOGRAPHY, _col(Customer.city)),
    FieldSpec("education", _T.TEXT, "Education", DEMOGRAPHY, _col(Customer.education)),
    FieldSpec("income_band", _T.TEXT, "Income band", DEMOGRAPHY, _col(Customer.income_band)),
    FieldSpec("household_size", _T.NUMBER, "Household size", DEMOGRAPHY,
              _col(Customer.household_size)),
    _tags("values", "Values", PSYCHOGRAPHY, Customer.values),
    _tags("interests", "Interests", PSYCHOGRAPHY, Customer.interests),
    _tags("personality", "Personality", PSYCHOGRAPHY, Customer.personality),
    _tags("lifestyle", "Lifestyle", LIFESTYLE, Customer.lifestyle),
    FieldSpec("usage_frequency", _T.TEXT, "Usage frequency", USAGE,
              _col(Customer.usage_frequency)),
    _tags("product_lines", "Product lines", USAGE, Customer.product_lines),
    FieldSpec("attitude", _T.TEXT, "Attitude", USAGE, _col(Customer.attitude)),
    _tags("tag", "Any tag (values … product lines)", PSYCHOGRAPHY, *TAG_COLUMNS.values()),
    FieldSpec("preferred_channel", _T.TEXT, "Preferred channel", CONTACT,
              _col(Customer.preferred_channel), choices=tuple(Channel)),
    FieldSpec("lifecycle_status", _T.TEXT, "Lifecycle status", CONTACT,
              _col(Customer.lifecycle_status), choices=tuple(LifecycleStatus)),
    FieldSpec("consent_marketing", _T.BOOL, "Marketing consent", CONTACT,
              _col(Customer.consent_marketing)),
    FieldSpec("customer_since", _T.DATE, "Customer since", CONTACT, _col(Customer.created_at)),
    FieldSpec("order_count", _T.NUMBER, "Number of orders", BEHAVIOUR,
              lambda ctx: func.coalesce(ctx.orders.c.order_count, 0), Join.ORDERS),
    FieldSpec("total_spend", _T.NUMBER, "Total spend", BEHAVIOUR,
              lambda ctx: cast(func.coalesce(ctx.orders.c.total_spend, 0), Float), Join.ORDERS),
    FieldSpec("avg_order_value", _T.NUMBER, "Average order value", BEHAVIOUR,
              lambda ctx: cast(ctx.orders.c.total_spend, Float) / ctx.orders.c.order_count,
              Join.ORDERS),
    FieldSpec("last_order", _T.DATE, "Last order", BEHAVIOUR,
              lambda ctx: ctx.orders.c.last_order_at, Join.ORDERS),
    FieldSpec("first_order", _T.DATE, "First order", BEHAVIOUR,
              lambda ctx: ctx.orders.c.first_order_at, Join.ORDERS),
    FieldSpec("clv", _T.NUMBER, "Lifetime value (CLV)", VALUE, _col(CustomerValue.clv),
              Join.VALUE),
    FieldSpec("p_alive", _T.NUMBER, "P(alive), 0–1", VALUE, _col(CustomerValue.p_alive),
              Join.VALUE),
    FieldSpec("expected_purchases_90d", _T.NUMBER, "Expected purchases, 90 days", VALUE,
              _col(CustomerValue.expected_purchases_90d), Join.VALUE),
    FieldSpec("rfm_segment", _T.TEXT, "RFM segment", VALUE, _col(CustomerScore.rfm_segment),
              Join.SCORE, tuple(RfmSegment)),
    FieldSpec("r_score", _T.NUMBER, "Recency score (1–5)", VALUE, _col(CustomerScore.r_score),
              Join.SCORE),
    FieldSpec("f_score", _T.NUMBER, "Frequency score (1–5)", VALUE, _col(CustomerScore.f_score),
              Join.SCORE),
    FieldSpec("m_score", _T.NUMBER, "Monetary score (1–5)", VALUE, _col(CustomerScore.m_score),
              Join.SCORE),
    FieldSpec("fit_score", _T.NUMBER, "Ideal-customer fit (0–100)", VALUE,
              _col(CustomerScore.fit_score), Join.SCORE),
)}

OPS: dict[FieldType, tuple[str, ...]] = {
    _T.NUMBER: ("eq", "ne", "lt", "lte", "gt", "gte", "between", "is_unknown", "is_known"),
    _T.TEXT: ("eq", "ne", "in", "not_in", "contains", "starts_with", "is_unknown", "is_known"),
    _T.TAGS: ("has", "has_any", "has_all", "has_none", "is_unknown", "is_known"),
    _T.DATE: ("before", "after", "within_days", "not_within_days", "is_unknown", "is_known"),
    _T.BOOL: ("is_true", "is_false"),
}
OP_LABELS = {
    "eq": "is", "ne": "is not", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥",
    "between": "between (a, b)", "in": "is one of", "not_in": "is none of",
    "contains": "contains", "starts_with": "starts with", "is_unknown": "is unknown",
    "is_known": "is known", "has": "has tag", "has_any": "has any of", "has_all": "has all of",
    "has_none": "has none of", "before": "before (date)", "after": "on or after (date)",
    "within_days": "within the last N days", "not_within_days": "not within the last N days",
    "is_true": "is yes", "is_false": "is no",
}
