"""API shapes of segments, memberships, runs and a customer's insights."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class SegmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    kind: str
    name: str
    description: str
    rules: dict[str, Any] | None
    is_target: bool
    explanation: list[str]
    size: int
    computed_at: datetime | None
    model_version: str | None
    retired: bool


class SegmentCreate(BaseModel):
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    rules: dict[str, Any]


class SegmentUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    description: str | None = Field(default=None, max_length=2000)
    rules: dict[str, Any] | None = None


class RulesIn(BaseModel):
    rules: dict[str, Any]


class CountOut(BaseModel):
    count: int


class TargetIn(BaseModel):
    target: bool


class MembersOut(BaseModel):
    segment_id: int
    total: int
    customer_ids: list[int]
    computed_at: datetime | None = Field(
        description="When a computed segment's membership was stored; for a rule segment the "
        "time of the query (rules are evaluated live)."
    )


class FieldOut(BaseModel):
    name: str
    type: str
    label: str
    group: str
    ops: list[str]
    choices: list[str]


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    computed_at: datetime
    model_version: str
    n_customers: int
    n_buyers: int
    clustered: bool
    k: int | None
    criterion: str
    silhouette: float | None
    silhouette_by_k: dict[str, Any]
    unknown_counts: dict[str, Any]
    note: str


class InsightsOut(BaseModel):
    customer_id: int
    computed_at: datetime | None
    segments: list[dict[str, Any]]
    rfm: dict[str, Any] | None
    fit_score: float | None
    fit_segment: dict[str, Any] | None
    persona: dict[str, Any] | None
