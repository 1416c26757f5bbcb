"""API shapes for survey forms, invitations, answers, stats and follow-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FormOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    title: str
    questions: list[str]
    reason_codes: list[str]
    active: bool
    updated_at: datetime


class FormIn(BaseModel):
    """A whole form: validated by ``forms.update_form`` (errors name the field)."""

    title: str = Field(max_length=400)
    questions: list[str] = Field(max_length=10)
    reason_codes: list[str] = Field(default_factory=list, max_length=100)
    active: bool = True


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    customer_id: int
    ticket_id: int | None
    status: str
    skip_reason: str | None
    questions: list[str]
    sent_at: datetime
    expires_at: datetime


class AnswerOut(BaseModel):
    """Comments are returned exactly as typed: clients must escape them when showing them."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    invitation_id: int
    customer_id: int
    ticket_id: int | None
    csat: int | None
    ces: int | None
    nps: int | None
    reasons: list[str]
    comment: str
    answered_at: datetime
    updated_at: datetime


class FollowUpOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    answer_id: int
    customer_id: int
    ticket_id: int | None
    owner_id: int | None
    status: str
    due_at: datetime
    done_at: datetime | None
    note: str
    created_at: datetime
    overdue: bool = False


class CloseIn(BaseModel):
    note: str = Field(max_length=8000)


class SendOut(BaseModel):
    queued: int
    skipped: dict[str, int]
    customer_ids: list[int]
    dry_run: bool


StatsOut = dict[str, Any]
