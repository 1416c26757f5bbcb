"""Abuse toward staff, kept apart from anger at a real problem (product rules 2 and 6).

Three things look alike and are treated differently:

* swearing about the situation ("this f***ing parcel is late again") — anger, never abuse;
* anger at the company ("your company is a joke", "you thieves charged me twice") — anger and
  accusation, never abuse: the customer may be right;
* insults, slurs, harassment and threats aimed at a person — "you idiot", "useless b****",
  "I know where you live" — abuse: masked for the agent, kept for the record.

An insult counts only when it is aimed at someone on the business's side: the nearest person
the sentence talks about before the insult decides. "You idiot" and "your driver is a moron" are
aimed at staff; "do you think I'm stupid?", "I feel like an idiot" and "my husband is an idiot"
are not. Every decision, either way, is recorded as evidence with the words that drove it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from fairdesk.triage.gate import GateGroup
from fairdesk.triage.lexicon import abuse_lexicon
from fairdesk.triage.result import AbuseResult, Evidence
from fairdesk.triage.text import SENTENCE_END, Prepared, prepare, squeeze_repeats, trie_alternation

SNIPPET_CHARS = 140  # the inbox's one-line preview of a customer message

# Order matters: at one position the first kind that matches a whole word wins.
_KINDS = ("slur", "insult", "weak_insult", "insult_adj", "profanity")
_WINDOW = 80  # characters looked back for the person an insult is aimed at
_WORD = re.compile(r"\w+")
_LETTERS = re.compile(r"[^\W\d_]+")
_REPEATED = re.compile(r"(.)\1")
_COMPANY = "anger at the company or an accusation: not abuse toward staff"

# Evidence kinds that are abuse toward staff: their words are masked wherever they are shown.
ABUSE_EVIDENCE = frozenset(
    {"slur", "insult", "weak_insult", "insult_adj", "directed", "threat", "harassment"}
)
SECOND, STAFF, SELF, THIRD = "second_person", "staff", "self", "third_party"
RHETORICAL = "rhetorical"  # "do you think I'm stupid?": anger at how they are treated


@dataclass(frozen=True)
class _Hit:
    kind: str
    start: int
    end: int
    in_run: bool


class AbuseDetector:
    """Finds abuse aimed at staff; configured by a lexicon, pure and thread-safe.

    ``lexicon`` defaults to the one shipped in the package (``data/abuse.json``).
    """

    def __init__(self, lexicon: dict[str, Any] | None = None) -> None:
        lex = lexicon if lexicon is not None else abuse_lexicon()
        self.version: str = lex["version"]
        terms: dict[str, list[str]] = lex["terms"]
        groups = [f"(?P<{kind}>{trie_alternation(terms[kind])})" for kind in _KINDS]
        body = "|".join(groups)
        self._terms = re.compile(rf"(?<![^\W_])(?:{body})(?![^\W_])")
        self._terms_inside = re.compile(body)  # for letters spelled apart: no word boundary
        first_words = [_LETTERS.findall(t)[0] for kind in _KINDS for t in terms[kind]]
        self._term_words = frozenset(first_words) | {squeeze_repeats(w) for w in first_words}
        self._masked = _masked_index(terms)
        self._phrase_rules = [
            (kind, rule)
            for kind in ("directed", "threat", "harassment", "company_anger")
            for rule in lex[kind]
        ]
        self._phrases = GateGroup([rule["pattern"] for _, rule in self._phrase_rules])
        ctx: dict[str, str] = lex["context"]
        self._markers = re.compile(
            "|".join(
                f"(?P<{name}>{ctx[name]})" for name in (RHETORICAL, THIRD, SELF, SECOND, STAFF)
            )
        )
        self._person_after = re.compile(ctx["person_after"])
        self._harmless = re.compile(ctx["harmless"])
        self._modifiers = re.compile(ctx["modifiers"])

    def resolve_masked(self, token: str) -> str | None:
        """Read a masked word ("f*ck", "b****") as the lexicon word it hides, if any.

        Stars stand for one letter each. When only the first letter shows and the word could
        be a swear word or an insult, the swear word is chosen: the reading that holds less
        against the writer.
        """
        candidates = self._masked.get((token[0], len(token)), [])
        fitting = [
            entry
            for entry in candidates
            if all(t in "*#" or t == w for t, w in zip(token, entry[2], strict=True))
        ]
        return min(fitting)[2] if fitting else None

    def detect(self, text: str) -> AbuseResult:
        """Analyse one message; never raises on odd input, linear in its length."""
        prep = prepare(text, self.resolve_masked)
        work = prep.work
        evidence: list[Evidence] = []
        spans: list[tuple[int, int]] = []
        kinds: set[str] = set()
        profanity = 0
        for hit in self._term_hits(prep):
            if hit.kind == "profanity":
                profanity += 1
                evidence.append(
                    _evidence(prep, "profanity", hit.start, hit.end,
                              "swearing about the situation: anger, not held against anyone")
                )  # fmt: skip
                continue
            aimed, why, marker = self._aimed(work, hit)
            if not aimed:
                kind = "rhetorical_insult" if marker == RHETORICAL else f"{hit.kind}_not_aimed"
                evidence.append(_evidence(prep, kind, hit.start, hit.end, why))
                continue
            start = self._with_modifiers(work, hit.start)
            kinds.add("slur" if hit.kind == "slur" else "insult")
            spans.append((start, hit.end))
            evidence.append(_evidence(prep, hit.kind, start, hit.end, why))
        present = self._phrases.present(work)
        for i, (kind, rule) in enumerate(self._phrase_rules):
            if kind == "company_anger":
                match = self._phrases.search(i, work, present)
                if match is not None:
                    evidence.append(_evidence(prep, kind, match.start(), match.end(), _COMPANY))
                continue
            for match in self._phrases.finditer(i, work, present):
                note = f"{rule['note']} ({rule['id']})"
                kinds.add(kind)
                spans.append(match.span())
                evidence.append(_evidence(prep, kind, match.start(), match.end(), note))
        original_spans = _merge(prep.to_original(s, e) for s, e in spans)
        return AbuseResult(
            abusive=bool(kinds),
            threat="threat" in kinds,
            kinds=tuple(sorted(kinds)),
            spans=tuple(original_spans),
            evidence=tuple(sorted(evidence, key=lambda ev: ev.start)),
            profanity=profanity,
        )

    def _term_hits(self, prep: Prepared) -> list[_Hit]:
        """Lexicon terms in the text. A term starts a word, so the big pattern is tried only
        where a word (stretched letters squeezed) is the first word of some term."""
        work = prep.work
        hits: list[_Hit] = []
        covered = -1
        for token in _LETTERS.finditer(work):
            word = token.group()
            if word not in self._term_words and (
                _REPEATED.search(word) is None or squeeze_repeats(word) not in self._term_words
            ):
                continue
            if token.start() < covered:
                continue
            match = self._terms.match(work, token.start())
            if match is not None:
                hits.append(_Hit(match.lastgroup or "", match.start(), match.end(), False))
                covered = match.end()
        for run_start, run_end in prep.runs:
            inside = prep.work[run_start:run_end]
            for m in self._terms_inside.finditer(inside):
                start, end = run_start + m.start(), run_start + m.end()
                if end - start >= 4 and not any(h.start <= start < h.end for h in hits):
                    hits.append(_Hit(m.lastgroup or "", start, end, True))
        return hits

    def _aimed(self, work: str, hit: _Hit) -> tuple[bool, str, str | None]:
        """Is this insult aimed at a person on the business's side? Why, and the marker."""
        word = work[hit.start : hit.end]
        around = self._harmless.finditer(work, max(0, hit.start - 20), hit.end + 20)
        if any(m.start() <= hit.start and hit.end <= m.end() for m in around):
            return False, f"'{word}' is part of a harmless phrase", None
        marker, marker_text, distance = self._nearest_person(work, hit.start)
        if marker in (SELF, THIRD):
            who = "themselves" if marker == SELF else "someone of their own"
            return False, f"'{word}' is about {who} ('{marker_text}'), not staff", marker
        if marker == RHETORICAL:
            return False, f"'{word}' pushes back at how they are treated ('{marker_text}')", marker
        if hit.kind in ("slur", "insult"):
            if hit.in_run:
                return True, "insult spelled apart to get past filters", marker
            if marker is None:
                return True, "insult addressed to the reader", marker
            return True, f"insult aimed at '{marker_text}'", marker
        person_after = self._person_after.match(work, hit.end)
        if hit.kind == "insult_adj" and person_after:
            return True, f"insults a person ('{person_after.group().strip(' ,')}')", marker
        close = distance <= (6 if hit.kind == "weak_insult" else 4)
        if marker in (SECOND, STAFF) and close:
            return True, f"insult aimed at '{marker_text}'", marker
        return False, f"'{word}' describes a thing or situation, not a person", marker

    def _nearest_person(self, work: str, start: int) -> tuple[str | None, str, int]:
        """The last person mentioned in the same sentence before ``start``."""
        lo = max(0, start - _WINDOW)
        for i in range(start - 1, lo - 1, -1):
            if work[i] in SENTENCE_END:
                lo = i + 1
                break
        last: re.Match[str] | None = None
        for match in self._markers.finditer(work, lo, start):
            last = match
        if last is None:
            return None, "", 0
        distance = len(_WORD.findall(work, last.end(), start))
        return last.lastgroup, last.group(), distance

    def _with_modifiers(self, work: str, start: int) -> int:
        """Extend a span back over "you absolute useless" so the whole insult is masked."""
        lo = max(0, start - 60)
        match = self._modifiers.search(work, lo, start)
        return match.start() if match else start


def _masked_index(
    terms: dict[str, list[str]],
) -> dict[tuple[str, int], list[tuple[int, int, str]]]:
    """Lexicon words by (first letter, length); ranked by kind, then by lexicon order."""
    rank = {"profanity": 0, "slur": 1, "insult": 2, "weak_insult": 3, "insult_adj": 4}
    index: dict[tuple[str, int], list[tuple[int, int, str]]] = defaultdict(list)
    for kind, words in terms.items():
        for order, word in enumerate(words):
            if word.isalpha():
                index[(word[0], len(word))].append((rank[kind], order, word))
    return dict(index)


def _evidence(prep: Prepared, kind: str, start: int, end: int, note: str) -> Evidence:
    o_start, o_end = prep.to_original(start, end)
    return Evidence(kind, prep.original[o_start:o_end], o_start, o_end, note)


def _merge(spans: Any) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """A one-line preview of already masked text, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + " …"


def mask(text: str, spans: Any, char: str = "•") -> str:
    """Hide the given spans for the agent view; spaces stay so the text keeps its shape."""
    chars = list(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(chars), end)):
            if not chars[i].isspace():
                chars[i] = char
    return "".join(chars)
