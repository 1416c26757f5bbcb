"""What triage says about one message, with the evidence behind every flag."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Tone(StrEnum):
    """The evaluation set's classes; ``abusive`` and ``threat`` together are "abuse"."""

    POLITE = "polite"
    ANGRY = "angry"  # angry but legitimate: never held against the customer
    ABUSIVE = "abusive"  # insults, harassment or slurs aimed at staff
    THREAT = "threat"
    SPAM = "spam"


class AngerLevel(StrEnum):
    CALM = "calm"
    ANNOYED = "annoyed"
    ANGRY = "angry"
    FURIOUS = "furious"


class UrgencyLevel(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


@dataclass(frozen=True)
class Evidence:
    """One thing a detector noticed: what, where (offsets in the original text) and why."""

    kind: str
    text: str
    start: int
    end: int
    note: str


@dataclass(frozen=True)
class AbuseResult:
    abusive: bool  # aimed at staff: insult, slur, harassment, swearing at them, or a threat
    threat: bool
    kinds: tuple[str, ...]
    spans: tuple[tuple[int, int], ...]  # what the agent view masks
    evidence: tuple[Evidence, ...]  # abusive and not-abusive findings alike, for the record
    profanity: int  # swear words about the situation: anger, never abuse


@dataclass(frozen=True)
class SentimentResult:
    sentiment: float  # -1 (very negative) … 1 (very positive)
    anger: float  # 0 … 1
    anger_level: AngerLevel
    sarcasm: bool
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class UrgencyResult:
    score: float  # 0 … 1
    level: UrgencyLevel
    reasons: tuple[str, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class TopicResult:
    topic: str
    confidence: float
    features: tuple[tuple[str, float], ...]  # the words that pushed most toward ``topic``


@dataclass(frozen=True)
class TriageResult:
    sentiment: SentimentResult
    urgency: UrgencyResult
    topic: TopicResult
    abuse: AbuseResult
    spam_score: float
    tone: Tone
    model_version: str
    explanations: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as stored and served by the API."""
        data = asdict(self)
        data["tone"] = str(self.tone)
        return data
