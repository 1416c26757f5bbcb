"""Text preparation shared by every triage detector.

Detectors match on a *working copy* of a message that has exactly the original's length:
lower-cased, curly quotes straightened, control characters blanked, leetspeak ("id1ot",
"a$$hole", "b!tch") and masked letters ("f*ck", "b****") resolved inside words. A match offset
in the working copy is then an offset in the original text, which is what masking needs.

Only two obfuscations shorten the text — letters spelled apart ("i d i o t", "c-u-n-t") and
invisible characters inside a word — and that rare path keeps an explicit offset map.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby

# Sentiment, urgency and topic read this much of a message; abuse is scanned in full so that
# every abusive span can be masked. Both passes are linear, so time stays bounded.
ANALYSED_CHARS = 20_000

_CONTROL = {c: " " for c in range(32) if chr(c) not in "\n"}
_CONTROL.update({0x7F: " ", 0x2018: "'", 0x2019: "'", 0x02BC: "'", 0x201C: '"', 0x201D: '"'})
_CONTROL.update({0x2028: "\n", 0x2029: "\n", 0x85: "\n"})
_FOLD = str.maketrans(_CONTROL)

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                       "@": "a", "$": "s", "!": "i"})  # fmt: skip
# A token with at least one letter and at least one digit or symbol standing for a letter.
_LEET_RE = re.compile(
    r"(?<![\w@$!])(?=[a-z0-9@$!]*[a-z])[a-z0-9@$!]*[0-9@$][a-z0-9@$!]*|(?<=[a-z])!+(?=[a-z])"
)
# A word with masked letters: starts with a letter, holds a '*' or '#'.
_MASKED_RE = re.compile(r"(?<![\w*#])[a-z][a-z*#]*[*#][a-z*#]*")
# Four to forty single letters kept apart by one separator each: "i d i o t", "c-u-n-t".
# Longer runs are not a word in disguise; the bound also keeps matching linear.
_SPACED_RE = re.compile(
    r"(?<![^\W\d_])(?:[^\W\d_][ .\-_·]){3,39}[^\W\d_]"
    r"(?![ .\-_·]?[^\W\d_])"
)
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_DIGIT = re.compile(r"\d")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad")

SENTENCE_END = frozenset(".!?\n;")


def fold(text: str) -> str:
    """Lower-case, straighten quotes and blank control characters, keeping the length."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters (e.g. 'İ') lower-case to two
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered.translate(_FOLD)


def _deleet(match: re.Match[str]) -> str:
    token = match.group()
    if token.startswith("!"):  # "!" between letters, as in "b!tch"
        return "i" * len(token)
    core = token.rstrip("!")  # but "idiot!" keeps its exclamation mark
    return core.translate(_LEET) + token[len(core) :]


@dataclass(frozen=True)
class Prepared:
    """A message ready for abuse matching: ``work`` plus the way back to the original."""

    original: str
    work: str
    origin: array[int] | None  # work offset -> original offset; None when lengths are equal
    runs: tuple[tuple[int, int], ...]  # spans of ``work`` that were letters spelled apart

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a span of ``work`` back to the original text."""
        if self.origin is None:
            return start, end
        return self.origin[start], self.origin[end - 1] + 1


def prepare(text: str, resolve_masked: Callable[[str], str | None]) -> Prepared:
    """Build the working copy; ``resolve_masked`` turns "f*ck" into a same-length word."""
    work = fold(text)
    if "@" in work or "$" in work or "!" in work or _DIGIT.search(work):
        work = _LEET_RE.sub(_deleet, work)
    if "*" in work or "#" in work:

        def _unmask(match: re.Match[str]) -> str:
            return resolve_masked(match.group()) or match.group()

        work = _MASKED_RE.sub(_unmask, work)
    has_invisible = any(c in _INVISIBLE for c in work)
    if not has_invisible and _SPACED_RE.search(work) is None:
        return Prepared(text, work, None, ())
    return _compact(text, work)


def _compact(text: str, work: str) -> Prepared:
    """Join spelled-apart letters and drop invisible characters, keeping an offset map."""
    pieces: list[str] = []
    origin = array("l")
    runs: list[tuple[int, int]] = []
    length = 0
    pos = 0
    pattern = re.compile(f"{_SPACED_RE.pattern}|{_INVISIBLE_RE.pattern}")
    for match in pattern.finditer(work):
        start, end = match.span()
        pieces.append(work[pos:start])
        origin.extend(range(pos, start))
        length += start - pos
        if match.group() in _INVISIBLE:
            pos = end
            continue
        letters = [i for i in range(start, end) if work[i].isalpha()]
        pieces.append("".join(work[i] for i in letters))
        origin.extend(letters)
        runs.append((length, length + len(letters)))
        length += len(letters)
        pos = end
    pieces.append(work[pos:])
    origin.extend(range(pos, len(work)))
    return Prepared(text, "".join(pieces), origin, tuple(runs))


def _units(term: str) -> list[str]:
    """Regex pieces of a term: each run of k equal letters matches k or more of them."""
    parts: list[str] = []
    for char, group in groupby(term):
        count = len(list(group))
        if char in " -":
            parts.append(r"[\s\-]+")
        elif char.isalpha():
            parts.append(re.escape(char) + ("+" if count == 1 else f"{{{count},}}"))
        else:
            parts.append(re.escape(char) * count)
    return parts


def term_pattern(term: str) -> str:
    """A regex for one lexicon term that tolerates stretched letters ("idiooot").

    "ass" never matches "as"; spaces and hyphens inside a term match any run of either.
    """
    return "".join(_units(term))


def trie_alternation(terms: Iterable[str]) -> str:
    """One alternation for many terms, sharing prefixes so the regex engine branches rarely."""
    root: _Trie = {}
    for term in sorted(set(terms)):
        node = root
        for unit in _units(term):
            node = node.setdefault(unit, {})
        node[""] = {}
    return _emit(root)


_Trie = dict[str, "_Trie"]


def _emit(node: _Trie) -> str:
    branches = [unit + _emit(child) for unit, child in node.items() if unit]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


_REPEATED = re.compile(r"(.)\1+")


def squeeze_repeats(text: str) -> str:
    """Collapse runs of one character ("fuuuck" -> "fuck"): a word's key in a gate."""
    return _REPEATED.sub(r"\1", text)
