"""Skip a regex cheaply when the text cannot match it.

Python's regex engine tries every alternative of a pattern at every position, so a lexicon of
threat phrases costs tens of microseconds per message even when nothing in it is there. Most
patterns need some literal text to match ("where" or "were" in "I know where you live"). This
module works out such a set from the parsed pattern — every match contains at least one of
the strings — and :class:`Gated` runs the regex only when one of them occurs in the text.
Substring tests are C-speed, so a message that contains none costs about a microsecond.

The gate only ever skips a pattern that could not have matched: it never changes a result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

_ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}
_REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", C.MAX_REPEAT)}


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains; None if there are none."""
    found = _sequence(list(_parser.parse(pattern)))
    if not found or "" in found:
        return None
    return frozenset(found)


def _literal_piece(op: Any, av: Any) -> tuple[str, bool] | None:
    """A literal, or a repeat (at least once) of one literal: its shortest text, and whether
    the repeat is open-ended."""
    if op is C.LITERAL:
        return chr(av), False
    if op in _REPEATS:
        low, high, body = av
        items = list(body)
        if low >= 1 and len(items) == 1 and items[0][0] is C.LITERAL:
            return chr(items[0][1]) * low, high != low
    return None


def _strength(options: set[str]) -> int:
    return min(len(s) for s in options)


def _sequence(items: list[tuple[Any, Any]]) -> set[str] | None:
    """Every element of a sequence must match, so any element's requirement will do:
    take the strongest (longest shortest string). Adjacent literals join into one string;
    an open-ended repeat ("o+") joins what is before it or what is after it, not both."""
    candidates: list[set[str]] = []
    run: list[str] = []
    for op, av in items:
        piece = _literal_piece(op, av)
        if piece is not None:
            text, open_ended = piece
            run.append(text)
            if open_ended:
                candidates.append({"".join(run)})
                run = [text]
            continue
        if op in _ZERO_WIDTH:
            continue  # consumes nothing: the literals around it stay adjacent
        if run:
            candidates.append({"".join(run)})
            run = []
        needed = _element(op, av)
        if needed:
            candidates.append(needed)
    if run:
        candidates.append({"".join(run)})
    return max(candidates, key=_strength) if candidates else None


def _element(op: Any, av: Any) -> set[str] | None:
    if op is C.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is C.BRANCH:
        union: set[str] = set()
        for branch in av[1]:
            needed = _sequence(list(branch))
            if not needed:
                return None  # one alternative needs nothing: the whole branch needs nothing
            union |= needed
        return union
    if op in _REPEATS:
        low, _high, body = av
        return _sequence(list(body)) if low >= 1 else None
    return None


class Gated:
    """A compiled pattern behind its literal gate; the same answers as the bare pattern."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)
        needed = required_literals(pattern)
        # Single characters are in nearly every text: such a gate would only cost time.
        self.gate = needed if needed and _strength(set(needed)) >= 2 else None

    def open_for(self, present: frozenset[str] | set[str]) -> bool:
        """Could it match a text that holds exactly the ``present`` gate literals?"""
        return self.gate is None or not self.gate.isdisjoint(present)


class GateGroup:
    """Patterns checked together: each gate literal is looked for once per text."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = [Gated(p) for p in patterns]
        self.literals = tuple(sorted({s for p in self.patterns if p.gate for s in p.gate}))

    def present(self, text: str) -> set[str]:
        """The gate literals that occur in ``text``: pass it to the other methods."""
        return {s for s in self.literals if s in text}

    def search(self, i: int, text: str, present: set[str]) -> re.Match[str] | None:
        pattern = self.patterns[i]
        return pattern.regex.search(text) if pattern.open_for(present) else None

    def finditer(self, i: int, text: str, present: set[str]) -> Iterator[re.Match[str]]:
        pattern = self.patterns[i]
        return pattern.regex.finditer(text) if pattern.open_for(present) else iter(())

    def count(self, i: int, text: str, present: set[str]) -> int:
        pattern = self.patterns[i]
        return len(pattern.regex.findall(text)) if pattern.open_for(present) else 0
