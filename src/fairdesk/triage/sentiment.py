"""Sentiment (-1 … 1) and anger (0 … 1) from a small valence lexicon, VADER-style.

Anger is measured, not judged: it raises urgency and tells the agent how the customer feels,
and it is never evidence against a customer (product rule 2). Sarcasm ("oh great, another
late parcel") turns the praise words around instead of counting them as praise.
"""

from __future__ import annotations

import math
import re
from typing import Any

from fairdesk.triage.gate import GateGroup
from fairdesk.triage.lexicon import signal_lexicon
from fairdesk.triage.result import AngerLevel, Evidence, SentimentResult

_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_SHOUT = re.compile(r"\b[A-Z]{3,}\b")
_ANGER_LEVELS = ((0.75, AngerLevel.FURIOUS), (0.5, AngerLevel.ANGRY), (0.25, AngerLevel.ANNOYED))


class SentimentScorer:
    """Scores sentiment and anger; ``lexicon`` defaults to the shipped ``signals.json``."""

    def __init__(
        self,
        lexicon: dict[str, Any] | None = None,
        *,
        alpha: float = 15.0,
        anger_half: float = 2.0,
    ) -> None:
        lex = lexicon if lexicon is not None else signal_lexicon()
        self.alpha = alpha  # how fast summed valence saturates toward ±1, as in VADER
        self.anger_half = anger_half  # anger points that make anger 0.5
        self._valence: dict[str, float] = lex["valence"]
        self._negations = frozenset(lex["negations"])
        self._boosters: dict[str, float] = lex["boosters"]
        self._sarcasm = GateGroup(lex["sarcasm"])
        self._anger_terms: dict[str, float] = lex["anger_terms"]
        self._anger_rules: list[dict[str, Any]] = lex["anger_patterns"]
        self._anger_patterns = GateGroup([rule["pattern"] for rule in self._anger_rules])
        self._politeness = re.compile(lex["politeness"])
        self._acronyms = frozenset(lex["acronyms"])

    def score(
        self,
        text: str,
        folded: str,
        *,
        profanity: int = 0,
        abusive: bool = False,
        pressure: float = 0.0,
    ) -> SentimentResult:
        """Score ``text`` (original case) whose folded form is ``folded`` (same length).

        ``pressure`` is anger the caller already found: urgency reasons such as a legal step,
        or "do you think I'm stupid?" — signs of anger, not of abuse.
        """
        evidence: list[Evidence] = []
        present = self._sarcasm.present(folded)
        sarcasm = sorted(
            (
                m
                for i in range(len(self._sarcasm.patterns))
                for m in self._sarcasm.finditer(i, folded, present)
            ),
            key=lambda m: m.start(),
        )
        for m in sarcasm[:3]:
            evidence.append(Evidence("sarcasm", text[m.start() : m.end()], m.start(), m.end(),
                                     "sarcasm: praise words read as complaint"))  # fmt: skip
        tokens = _TOKEN.findall(folded)
        total = self._valence_sum(tokens, bool(sarcasm)) - 1.5 * min(len(sarcasm), 2)
        bangs = min(folded.count("!"), 4)
        total *= 1 + 0.06 * bangs
        sentiment = total / math.sqrt(total * total + self.alpha)
        points = self._anger_points(text, folded, tokens, sentiment, profanity, evidence)
        points += pressure + 1.0 * min(len(sarcasm), 2) + (1.0 if abusive else 0.0)
        anger = points / (points + self.anger_half) if points > 0 else 0.0
        level = next((lvl for cut, lvl in _ANGER_LEVELS if anger >= cut), AngerLevel.CALM)
        return SentimentResult(
            sentiment=round(sentiment, 4),
            anger=round(anger, 4),
            anger_level=level,
            sarcasm=bool(sarcasm),
            evidence=tuple(evidence),
        )

    def _valence_sum(self, tokens: list[str], sarcastic: bool) -> float:
        total = 0.0
        for i, token in enumerate(tokens):
            value = self._valence.get(token)
            if value is None:
                continue
            if i and tokens[i - 1] in self._boosters:
                value *= self._boosters[tokens[i - 1]]
            if any(t in self._negations for t in tokens[max(0, i - 3) : i]):
                value *= -0.6
            if sarcastic and value > 0:
                value = -0.5 * value
            total += value
        return total

    def _anger_points(
        self,
        text: str,
        folded: str,
        tokens: list[str],
        sentiment: float,
        profanity: int,
        evidence: list[Evidence],
    ) -> float:
        points = sum(self._anger_terms.get(t, 0.0) for t in tokens)
        points += 0.7 * min(profanity, 3)
        present = self._anger_patterns.present(folded)
        for i, rule in enumerate(self._anger_rules):
            match = self._anger_patterns.search(i, folded, present)
            if match:
                points += rule["weight"]
                evidence.append(Evidence("anger", text[match.start() : match.end()],
                                         match.start(), match.end(), rule["note"]))  # fmt: skip
        shouts = [m for m in _SHOUT.findall(text[:2000]) if m.lower() not in self._acronyms]
        if shouts:
            letters = sum(1 for c in text[:2000] if c.isalpha())
            share = sum(len(m) for m in shouts) / max(letters, 1)
            points += 1.2 if share >= 0.3 else 0.4 * min(len(shouts), 3)
            evidence.append(Evidence("anger", " ".join(shouts[:5]), 0, 0, "shouting in capitals"))
        points += sum(1.0 for t in tokens if t in ("😡", "🤬", "😠", "😤", "🖕"))
        if sentiment < -0.3:
            points += 1.6 * (-sentiment - 0.3)
        polite = len(self._politeness.findall(folded[:2000]))
        return points - 0.4 * min(polite, 3)
