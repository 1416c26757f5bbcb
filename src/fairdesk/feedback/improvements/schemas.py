"""API shapes of improvements: what changed, its themes, who was told, before and after."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ImprovementIn(BaseModel):
    title: str = Field(min_length=1, max_length=200, description="public, customer-safe")
    description: str = Field(default="", max_length=4000, description="public, customer-safe")
    owner_id: int | None = None
    planned_for: date | None = None
    theme_ids: list[int] = Field(default_factory=list)


class LinkIn(BaseModel):
    theme_ids: list[int] = Field(min_length=1)


class ShipIn(BaseModel):
    shipped_at: AwareDatetime | None = Field(default=None, description="default: now; not future")


class ImprovementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str
    status: str
    owner_id: int | None
    planned_for: date | None
    shipped_at: datetime | None
    created_at: datetime


class SideOut(BaseModel):
    start: datetime
    end: datetime
    weeks: float
    tickets: int
    per_week: float | None
    csat: float | None
    csat_answers: int
    resolution_hours: float | None
    resolved: int


class BeforeAfterOut(BaseModel):
    ticket_count: int
    before: SideOut
    after: SideOut


class ImprovementDetail(ImprovementOut):
    theme_ids: list[int]
    notifications: dict[str, int]
    metrics: BeforeAfterOut | None


class ShipOut(BaseModel):
    improvement: ImprovementDetail
    queued: int
    skipped: int
    already: int
