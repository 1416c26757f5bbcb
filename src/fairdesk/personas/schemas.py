"""API shapes of personas: every field with its value and where it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class PersonaField(BaseModel):
    key: str
    label: str
    question: str | None
    value: Any
    source: str = Field(description="'data' (derived from the members) or 'person' (edited)")


class PersonaOut(BaseModel):
    id: int
    segment_id: int
    slot: int
    status: str
    note: str
    member_count: int
    computed_at: datetime | None
    model_version: str | None
    name: str
    name_source: str
    portrait: str
    portrait_source: str
    fields: list[PersonaField]
    unknown: dict[str, int]


class PersonaEdit(BaseModel):
    edits: dict[str, Any] = Field(
        description="field → new value (text, or a list of text); null clears the edit and "
        "shows the data again"
    )
