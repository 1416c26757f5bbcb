"""One call for everything triage says about a message; cheap enough for the intake path."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from fairdesk.triage.abuse import ABUSE_EVIDENCE, AbuseDetector
from fairdesk.triage.evaluation import tone_report
from fairdesk.triage.lexicon import signal_lexicon
from fairdesk.triage.result import (
    AbuseResult,
    SentimentResult,
    Tone,
    TopicResult,
    TriageResult,
    UrgencyResult,
)
from fairdesk.triage.sentiment import SentimentScorer
from fairdesk.triage.text import ANALYSED_CHARS, fold
from fairdesk.triage.topic import TopicModel
from fairdesk.triage.urgency import SpamScorer, UrgencyDetector


class Triager:
    """Sentiment, anger, urgency, topic, spam and abuse toward staff, with explanations.

    Every part is configurable; by default the shipped lexicons and starter topic model are
    used. ``fit(texts, topics)`` retrains only the topic model (the lexicons are rules, not
    learned). ``angry_at`` is the anger above which a message counts as angry rather than
    polite; ``spam_at`` the spam score above which it counts as spam.
    """

    def __init__(
        self,
        *,
        topic_model: TopicModel | None = None,
        abuse: AbuseDetector | None = None,
        sentiment: SentimentScorer | None = None,
        urgency: UrgencyDetector | None = None,
        spam: SpamScorer | None = None,
        angry_at: float = 0.3,
        spam_at: float = 0.6,
    ) -> None:
        self.topic_model = topic_model if topic_model is not None else TopicModel.starter()
        self.abuse = abuse or AbuseDetector()
        self.sentiment = sentiment or SentimentScorer()
        self.urgency = urgency or UrgencyDetector()
        self.spam = spam or SpamScorer()
        self.angry_at = angry_at
        self.spam_at = spam_at
        self._lexicon = signal_lexicon()

    @property
    def version(self) -> str:
        return f"lexicon-{self.abuse.version}+topic-{self.topic_model.version}"

    def fit(self, texts: Sequence[str], topics: Sequence[str]) -> Triager:
        self.topic_model.fit(texts, topics)
        return self

    def analyze(self, text: str) -> TriageResult:
        """Triage one message. Any string is valid input; time grows linearly with length."""
        abuse = self.abuse.detect(text)
        head = text[:ANALYSED_CHARS]
        folded = fold(head)
        urgency = self.urgency.detect(head, folded, threat=abuse.threat)
        sentiment = self.sentiment.score(
            head,
            folded,
            profanity=abuse.profanity,
            abusive=abuse.abusive,
            pressure=self._pressure(abuse, urgency),
        )
        topic = self.topic_model.predict_one(head)
        spam_score = self.spam.score(folded)
        tone = self._tone(abuse, sentiment, spam_score)
        return TriageResult(
            sentiment=sentiment,
            urgency=urgency,
            topic=topic,
            abuse=abuse,
            spam_score=spam_score,
            tone=tone,
            model_version=self.version,
            explanations=tuple(_explain(tone, abuse, sentiment, urgency, topic, spam_score)),
        )

    def predict(self, texts: Sequence[str]) -> list[Tone]:
        return [self.analyze(t).tone for t in texts]

    def score(self, texts: Sequence[str], tones: Sequence[str]) -> dict[str, Any]:
        """Per-class precision and recall, and the abuse metrics the issue sets targets for."""
        return tone_report(list(tones), [str(t) for t in self.predict(texts)])

    def _pressure(self, abuse: AbuseResult, urgency: UrgencyResult) -> float:
        """Anger shown by urgency reasons and by pushing back ("do you think I'm stupid?")."""
        from_urgency: dict[str, float] = self._lexicon["anger_from_urgency"]
        per_mention = float(self._lexicon["anger_from_insult_mention"])
        points = sum(from_urgency.get(reason, 0.0) for reason in set(urgency.reasons))
        mentions = sum(1 for ev in abuse.evidence if ev.kind == "rhetorical_insult")
        return points + per_mention * min(mentions, 2)

    def _tone(self, abuse: AbuseResult, sentiment: SentimentResult, spam_score: float) -> Tone:
        if abuse.threat:
            return Tone.THREAT
        if abuse.abusive:
            return Tone.ABUSIVE
        if spam_score >= self.spam_at and sentiment.anger < 0.5:
            return Tone.SPAM
        if sentiment.anger >= self.angry_at:
            return Tone.ANGRY
        return Tone.POLITE


def _explain(
    tone: Tone,
    abuse: AbuseResult,
    sentiment: SentimentResult,
    urgency: UrgencyResult,
    topic: TopicResult,
    spam_score: float,
) -> list[str]:
    lines = [f"tone {tone}: anger {sentiment.anger:.2f} ({sentiment.anger_level})"]
    for ev in abuse.evidence:
        shown = "[masked]" if ev.kind in ABUSE_EVIDENCE else f"'{ev.text}'"
        lines.append(f"{ev.kind} {shown}: {ev.note}")
    lines.extend(f"{ev.kind}: {ev.note}" for ev in sentiment.evidence)
    lines.extend(f"urgency {ev.kind} '{ev.text}': {ev.note}" for ev in urgency.evidence)
    words = ", ".join(f for f, _ in topic.features) or "no strong words"
    lines.append(f"topic {topic.topic} ({topic.confidence:.0%}): {words}")
    if spam_score >= 0.3:
        lines.append(f"spam score {spam_score:.2f}")
    return lines


@lru_cache(maxsize=1)
def default_triager() -> Triager:
    """The shipped lexicons and starter model, built once per process."""
    return Triager()


def analyze(text: str, *, triager: Triager | None = None) -> TriageResult:
    """Triage one message with the shipped models (or ``triager``); pure, no database."""
    return (triager or default_triager()).analyze(text)
