"""API shapes of themes: what the data found, what a manager decided, and how it trends."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Quote(BaseModel):
    text: str = Field(description="the customer's words, abusive spans masked")
    source_kind: str = Field(description="'comment' (survey) or 'message' (ticket)")
    source_id: int


class BreakdownRow(BaseModel):
    name: str
    texts: int
    customers: int


class ThemeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    name_edited: bool
    status: str
    parent_id: int | None
    merged_into_id: int | None
    size: int
    top_terms: list[str]
    quotes: list[Quote]
    computed_at: datetime | None
    model_version: str | None


class ThemeDetail(ThemeOut):
    weeks: list[datetime] = Field(description="start of each week, oldest first")
    weekly: list[int]
    last_week: int
    week_before: int
    change_pct: float | None = Field(description="week on week; null without a base")
    by_segment: list[BreakdownRow]
    by_persona: list[BreakdownRow]
    children: list[int]


class RenameIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class MergeIn(BaseModel):
    into_id: int


class SplitIn(BaseModel):
    parts: int | None = Field(default=None, description="2-8; null lets the data choose")


class BuildIn(BaseModel):
    backend: str = Field(default="auto", pattern="^(auto|tfidf|embeddings)$")


class BuildOut(BaseModel):
    build_id: int
    n_texts: int
    n_themed: int
    k: int
    themes: int
    new: int
    silhouette: float | None
    backend: str


def breakdown_rows(rows: list[Any]) -> list[BreakdownRow]:
    return [BreakdownRow(name=str(n), texts=int(t), customers=int(c)) for n, t, c in rows]
