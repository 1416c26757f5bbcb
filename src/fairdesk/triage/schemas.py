"""Pydantic shapes of the triage API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_ANALYZE_CHARS = 1_048_576


class AnalyzeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_ANALYZE_CHARS, description="Any text; nothing is stored")


class TriageOut(BaseModel):
    """Scores and flags; every flag is explained in ``explanations``."""

    sentiment: float = Field(description="-1 (very negative) … 1 (very positive)")
    anger: float = Field(description="0 … 1; never held against a customer")
    anger_level: str
    urgency: float = Field(description="0 … 1")
    urgency_level: str
    urgency_reasons: list[str]
    topic: str
    topic_confidence: float
    tone: str = Field(description="polite, angry, abusive, threat or spam")
    abusive: bool = Field(description="insults, harassment or threats aimed at staff")
    threat: bool
    abuse_kinds: list[str]
    spans: list[tuple[int, int]] = Field(description="character offsets of abusive text")
    masked_text: str
    explanations: list[str]
    model_version: str


class MessageTriageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    message_id: int
    ticket_id: int
    sentiment: float
    anger: float
    anger_level: str
    urgency: float
    urgency_level: str
    urgency_reasons: list[str]
    topic: str
    topic_confidence: float
    tone: str
    abusive: bool
    threat: bool
    abuse_kinds: list[str]
    spans: list[tuple[int, int]]
    model_version: str
    created_at: datetime
    masked_body: str = Field(description="the message with abusive spans hidden")
    detail: dict[str, Any] = Field(description="evidence; abusive words themselves hidden")


class TicketTriageOut(BaseModel):
    ticket_id: int
    urgency: float
    urgency_level: str
    sentiment: float
    anger: float
    topic: str
    abusive: bool
    threat: bool
    messages: list[MessageTriageOut]


class RevealOut(BaseModel):
    message_id: int
    body: str


class SimilarCaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ticket_id: int
    reference: str
    subject: str
    status: str
    category: str | None
    score: float
    resolution: str = Field(description="the last public reply of that case")
    resolved_at: datetime | None


class SimilarCasesOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    backend: str = Field(description="tfidf or embeddings")
    indexed: int
    cases: list[SimilarCaseOut]
