"""API shapes for policy versions, recommendations, gestures and budgets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PolicyVersionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    note: str
    created_at: datetime
    created_by_id: int | None
    document: dict[str, Any]


class PolicyVersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    note: str
    created_at: datetime
    created_by_id: int | None


class RecommendationOut(BaseModel):
    remedy: str
    remedy_label: str
    amount: Decimal
    currency: str
    outcome: str
    rule: str
    limit: Decimal
    reasons: list[str]
    explanation: str
    policy_version: int


class GestureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    remedy: str = Field(min_length=1, max_length=40)
    # A string or a number; validated (sign, decimals, cap) by the policy rules.
    amount: Decimal = Field(allow_inf_nan=False)
    currency: str = Field(min_length=3, max_length=3)
    receipt: bool = False
    note: str = Field(default="", max_length=2000)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=2000)


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class GestureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_id: int
    customer_id: int
    order_id: int | None
    remedy: str
    amount: Decimal
    currency: str
    status: str
    category: str | None
    segment: str | None
    rule: str
    reasons: list[str]
    inputs: dict[str, Any]
    charged_to_budget: bool
    policy_version_id: int
    actor_id: int | None
    approver_id: int | None
    note: str
    decision_note: str
    created_at: datetime
    decided_at: datetime | None


class BudgetOut(BaseModel):
    staff_id: int
    name: str
    role: str
    per_gesture: Decimal
    per_day: Decimal
    per_month: Decimal
    spent_today: Decimal
    spent_month: Decimal
    left_today: Decimal
    left_month: Decimal
    granted_month: int


class SpendRow(BaseModel):
    group: str
    amount: Decimal
    gestures: int
