"""Urgency with reasons (money taken twice, safety, a deadline, a legal step, …) and spam.

Each reason is a named pattern with a weight; reasons combine like independent chances
(1 - Π(1 - w)), so two moderate reasons outrank one, and the reasons are what the agent sees.
"""

from __future__ import annotations

from typing import Any

from fairdesk.triage.gate import GateGroup
from fairdesk.triage.lexicon import signal_lexicon
from fairdesk.triage.result import Evidence, UrgencyLevel, UrgencyResult

STAFF_SAFETY = "staff_safety"  # added by the triager when a message threatens staff


class UrgencyDetector:
    """Finds urgency reasons; ``lexicon`` defaults to the shipped ``signals.json``."""

    def __init__(
        self, lexicon: dict[str, Any] | None = None, *, high: float = 0.5, urgent: float = 0.8
    ) -> None:
        lex = lexicon if lexicon is not None else signal_lexicon()
        self.high = high
        self.urgent = urgent
        self._rules: list[dict[str, Any]] = lex["urgency"]
        self._patterns = GateGroup([rule["pattern"] for rule in self._rules])

    def detect(self, text: str, folded: str, *, threat: bool = False) -> UrgencyResult:
        evidence: list[Evidence] = []
        weights: list[float] = []
        present = self._patterns.present(folded)
        for i, rule in enumerate(self._rules):
            match = self._patterns.search(i, folded, present)
            if match is None:
                continue
            weights.append(rule["weight"])
            evidence.append(Evidence(rule["code"], text[match.start() : match.end()],
                                     match.start(), match.end(), rule["label"]))  # fmt: skip
        if threat:
            weights.append(0.9)
            evidence.append(Evidence(STAFF_SAFETY, "", 0, 0, "a threat against staff"))
        remaining = 1.0
        for weight in weights:
            remaining *= 1.0 - weight
        score = 1.0 - remaining
        level = (
            UrgencyLevel.URGENT
            if score >= self.urgent
            else UrgencyLevel.HIGH
            if score >= self.high
            else UrgencyLevel.NORMAL
        )
        return UrgencyResult(
            score=round(score, 4),
            level=level,
            reasons=tuple(ev.kind for ev in evidence),
            evidence=tuple(evidence),
        )


class SpamScorer:
    """Scores unsolicited marketing, phishing and scams (0 … 1)."""

    def __init__(self, lexicon: dict[str, Any] | None = None) -> None:
        lex = lexicon if lexicon is not None else signal_lexicon()
        self._rules: list[dict[str, Any]] = lex["spam"]
        self._patterns = GateGroup([rule["pattern"] for rule in self._rules])

    def score(self, folded: str) -> float:
        head = folded[:5000]
        present = self._patterns.present(head)
        remaining = 1.0
        for i, rule in enumerate(self._rules):
            hits = self._patterns.count(i, head, present)
            for _ in range(min(hits, 2)):
                remaining *= 1.0 - rule["weight"]
        return round(1.0 - remaining, 4)
