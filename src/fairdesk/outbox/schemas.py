"""Pydantic shapes of webhook endpoints and outbox items for the API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from fairdesk.outbox.models import OutboxKind, OutboxStatus

EventName = Annotated[
    str, Field(pattern=r"^[a-z][a-z_]*\.[a-z][a-z_]*$", max_length=80, examples=["ticket.created"])
]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(max_length=2000, pattern=r"^https?://\S+$")
    events: list[EventName] = Field(
        default_factory=list, max_length=50, description="Events to receive; empty means all."
    )
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=128,
        description="Signing secret; leave out to have one generated (shown once).",
    )


class WebhookUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    active: bool


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="Shown only in this answer: store it to verify signatures.")


class OutboxItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: OutboxKind
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    dedup_key: str | None
    payload: dict[str, Any]
