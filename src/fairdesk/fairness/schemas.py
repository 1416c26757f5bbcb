"""API shapes for fairness cases, decisions and appeals (managers only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fairdesk.fairness.appeals import MAX_REASON_CHARS as MAX_APPEAL_REASON
from fairdesk.fairness.appeals import Outcome
from fairdesk.fairness.decisions import MAX_MESSAGE_CHARS, MAX_REASON_CHARS
from fairdesk.fairness.models import (
    AppealStatus,
    CaseStatus,
    DecisionKind,
    RestrictionKind,
)


class CaseSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    customer_id: int
    status: CaseStatus
    score: float
    summary: str
    signal_kinds: list[str]
    opened_at: datetime
    decided_at: datetime | None


class CaseOut(CaseSummary):
    """A case with its evidence dossier: value is shown, never used to decide."""

    dossier: dict[str, Any]


class CaseList(BaseModel):
    items: list[CaseSummary]
    total: int
    offset: int
    limit: int


class FairnessDecisionIn(BaseModel):
    """A manager's decision; ``customer_id`` must be the case's customer."""

    model_config = ConfigDict(extra="forbid")

    customer_id: int = Field(gt=0)
    kind: DecisionKind
    reason: str = Field(min_length=1, max_length=MAX_REASON_CHARS)
    restriction: RestrictionKind | None = Field(
        default=None,
        description="restrict only: receipts_required, no_questions_asked_off or email_only",
    )
    message: str | None = Field(
        default=None,
        max_length=MAX_MESSAGE_CHARS,
        description="warn only: the warning as edited; the respectful template when omitted",
    )


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: int
    customer_id: int
    kind: DecisionKind
    reason: str
    restriction: RestrictionKind | None
    message: str
    retention: str | None
    decided_by_id: int | None
    decided_at: datetime


class DecisionList(BaseModel):
    items: list[DecisionOut]
    total: int
    offset: int
    limit: int


class AppealOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    decision_id: int
    customer_id: int
    body: str
    status: AppealStatus
    submitted_at: datetime
    reviewer_id: int | None
    outcome_reason: str | None
    reviewed_at: datetime | None


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reason: str = Field(min_length=1, max_length=MAX_APPEAL_REASON)
