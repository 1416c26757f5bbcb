"""Explain a group of customers by what sets it apart from everyone else.

For each candidate feature - a category level, a tag, an unknown field, age, cadence, spend -
the share inside the group is compared with the share outside it as a standardised difference
(``(p_in - p_out) / sqrt(p_all (1 - p_all))``, Cohen's h-like, independent of group size).
The strongest few become phrases, ordered by how strongly they distinguish the group:
"mostly 25–34 · values convenience · buys monthly · 3× average spend". Unknown counts as a
value like any other, so a group held together by missing data says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fairdesk.segments import describe
from fairdesk.segments.profiles import Profiles

Mask = npt.NDArray[np.bool_]
EXPLAINED_CATEGORIES = ("gender", "country", "education", "income_band", "usage_frequency",
                        "attitude", "preferred_channel")
MIN_SHARE = 0.3  # a level must describe at least this share of the group to be named
MIN_EFFECT = 0.35
MAX_PHRASES = 5


@dataclass(frozen=True)
class Candidate:
    field: str
    level: str
    share: float
    effect: float


def _effect(inside: float, outside: float, overall: float) -> float:
    spread = np.sqrt(max(overall * (1 - overall), 1e-6))
    return float((inside - outside) / spread)


def _shares(inside: npt.NDArray[np.float64], total: npt.NDArray[np.float64], n_in: int,
            n: int) -> tuple[npt.NDArray[np.float64], ...]:
    """Shares inside, outside and overall from counts (one pass per field, not per level)."""
    p_in = inside / max(n_in, 1)
    p_all = total / max(n, 1)
    p_out = (total - inside) / (n - n_in) if n > n_in else p_all
    return p_in, p_out, p_all


def _candidates(profiles: Profiles, member: Mask) -> list[Candidate]:
    out: list[Candidate] = []
    n_in, n = int(member.sum()), len(profiles)
    weights = member.astype(np.float32)
    for name in EXPLAINED_CATEGORIES:
        cat = profiles.categorical[name]
        size = len(cat.levels) + 1  # slot 0 is unknown
        inside = np.bincount(cat.codes[member] + 1, minlength=size).astype(np.float64)
        total = np.bincount(cat.codes + 1, minlength=size).astype(np.float64)
        p_in, p_out, p_all = _shares(inside, total, n_in, n)
        for j, level in enumerate(("unknown", *cat.levels)):
            out.append(Candidate(name, level, float(p_in[j]),
                                 _effect(float(p_in[j]), float(p_out[j]), float(p_all[j]))))
    for name, tag_set in profiles.tags.items():
        # matrix-vector products: no copy of the member rows of a million-row matrix
        inside = np.asarray(tag_set.matrix.T @ weights, dtype=np.float64).ravel()
        total = np.asarray(tag_set.matrix.sum(axis=0), dtype=np.float64).ravel()
        unknown = (~tag_set.known()).astype(np.float64)
        inside = np.append(inside, float(unknown @ weights))
        total = np.append(total, float(unknown.sum()))
        p_in, p_out, p_all = _shares(inside, total, n_in, n)
        for j, tag in enumerate((*tag_set.vocabulary, "unknown")):
            out.append(Candidate(name, tag, float(p_in[j]),
                                 _effect(float(p_in[j]), float(p_out[j]), float(p_all[j]))))
    return out


def _behaviour(profiles: Profiles, member: Mask) -> list[tuple[float, str]]:
    """Age, cadence and spend phrases with a strength comparable to the candidates'."""
    out: list[tuple[float, str]] = []
    ages = profiles.numeric["age"]
    band = describe.age_band(ages[member])
    known_in, known_all = ages[member & ~np.isnan(ages)], ages[~np.isnan(ages)]
    if band and known_in.size and known_all.size > 1:
        gap = abs(float(np.median(known_in)) - float(np.median(known_all)))
        out.append((gap / max(float(known_all.std()), 1.0), band))
    orders, spend = profiles.numeric["orders"], profiles.numeric["spend"]
    words = describe.cadence_of(profiles.numeric["cadence_days"][member], orders[member])
    if words:
        everyone = describe.cadence_of(profiles.numeric["cadence_days"], orders)
        out.append((0.9 if words != everyone else 0.2, words))
    ratio = describe.spend_ratio(float(spend[member].mean()), float(spend.mean()))
    if ratio:
        rel = float(spend[member].mean()) / max(float(spend.mean()), 1e-9)
        out.append((abs(np.log(max(rel, 1e-3))), ratio))
    return out


def explain(profiles: Profiles, member: Mask, *, max_phrases: int = MAX_PHRASES) -> list[str]:
    """The phrases that set the members apart, strongest first (at least one when possible)."""
    if not member.any():
        return ["no members"]
    scored: list[tuple[float, str]] = []
    by_field: dict[str, list[Candidate]] = {}
    for c in _candidates(profiles, member):
        if c.share >= MIN_SHARE and c.effect >= MIN_EFFECT:
            by_field.setdefault(c.field, []).append(c)
    for field, found in by_field.items():
        found.sort(key=lambda c: -c.effect)
        unknown = [c for c in found if c.level == "unknown"]
        if unknown:
            scored.append((unknown[0].effect, f"{field.replace('_', ' ')} mostly unknown"))
        known = [c.level for c in found if c.level != "unknown"][:3]
        if known:
            scored.append((found[0].effect, describe.phrase(field, known)))
    scored += [(s, p) for s, p in _behaviour(profiles, member) if s >= MIN_EFFECT]
    scored.sort(key=lambda item: -item[0])
    phrases = [p for _, p in scored[:max_phrases]]
    return phrases or ["much like the customer base as a whole"]


def name_from(phrases: list[str], taken: set[str]) -> str:
    """A short, unique name from the strongest phrases: 'Values craft · buys monthly'."""
    # Ratios make poor names ("0.2× average spend"); lead with who they are when possible.
    ordered = sorted(phrases, key=lambda p: "×" in p)
    base = ordered[0][:1].upper() + ordered[0][1:] if ordered else "Customers"
    name = base if base not in taken or len(ordered) < 2 else f"{base} · {ordered[1]}"
    suffix = 2
    unique = name
    while unique in taken:
        unique, suffix = f"{name} ({suffix})", suffix + 1
    return unique[:120]
