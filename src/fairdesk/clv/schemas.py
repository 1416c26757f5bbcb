"""API shapes of stored CLV results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class CustomerValueOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    customer_id: int
    computed_at: datetime
    frequency: int
    recency: float
    age: float
    monetary: float
    p_alive: float
    expected_purchases_90d: float
    expected_spend: float
    clv: float
    fit_id: int


class ClvFitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    computed_at: datetime
    observation_end: datetime
    model_version: str
    time_unit: str
    n_customers: int
    n_repeat_buyers: int
    horizon_months: int
    monthly_discount_rate: float
    transaction_model: dict[str, Any]
    spend_model: dict[str, Any]
