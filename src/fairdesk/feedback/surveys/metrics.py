"""NPS, CSAT, CES and response rates with confidence intervals: pure functions, no database.

The scorecard reuses these, so every figure in the product is computed one way. Each takes the
raw scores (any iterable of ints) and returns a frozen result whose ``value`` is ``None`` when
there is nothing to measure: an empty period says "no data", it never divides by zero.

Definitions (the standard ones):

- **NPS** (0..10): % promoters (9-10) minus % detractors (0-6), from -100 to +100.
- **CSAT** (1..5): % of answers that are 4 or 5.
- **CES** (1..7, 7 = very easy): the mean score, and % "easy" answers (5, 6 or 7).
- **Response rate**: answered / sent.

Intervals are 95 % by default (``z``). Proportions use the Wilson score interval, which stays
inside [0, 1] and keeps a sensible width at 0 % or 100 % and for small samples, unlike the
textbook Wald interval. NPS is the difference of two proportions of one trinomial sample; its
variance is ``(p_P + p_D - (p_P - p_D)^2) / n``. A plain Wald interval on it collapses to zero
width when every answer is a promoter, so the interval is an adjusted Wald one: its variance
and centre come from the counts with one pseudo-answer added to each of the three categories
(the trinomial counterpart of the Agresti-Coull "add successes and failures" idea); the point
estimate stays the plain NPS, and the interval is clipped to [-100, 100]. The CES mean uses a
Student t interval.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from scipy import stats as sps

Z95 = 1.959963984540054
CSAT_RANGE = (1, 5)
CES_RANGE = (1, 7)
NPS_RANGE = (0, 10)


@dataclass(frozen=True)
class Proportion:
    """``successes`` of ``n`` as a percentage with its interval; ``value`` None when n = 0."""

    successes: int
    n: int
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class NpsResult:
    """Net Promoter Score (-100..100) with its interval and the three counts."""

    n: int
    promoters: int
    passives: int
    detractors: int
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class CesResult:
    """Customer effort: mean score with a t interval, and the share of easy answers (5-7)."""

    n: int
    mean: float | None
    low: float | None
    high: float | None
    easy: Proportion


def wilson(successes: int, n: int, *, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion, as fractions in [0, 1]; None when n = 0."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError("need 0 <= successes <= n")
    if n == 0:
        return None
    p = successes / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # At 0 % or 100 % the bound is exactly 0 or 1; rounding must not put it beside the point.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def proportion(successes: int, n: int, *, z: float = Z95) -> Proportion:
    """``successes / n`` in percent with its Wilson interval."""
    interval = wilson(successes, n, z=z)
    if interval is None:
        return Proportion(successes, n, None, None, None)
    return Proportion(successes, n, 100.0 * successes / n, 100.0 * interval[0], 100.0 * interval[1])


def _checked(scores: Iterable[int], bounds: tuple[int, int], name: str) -> list[int]:
    values = list(scores)
    low, high = bounds
    for v in values:
        if not low <= v <= high:
            raise ValueError(f"{name} score {v} is outside {low}..{high}")
    return values


def nps(scores: Iterable[int], *, z: float = Z95) -> NpsResult:
    """Net Promoter Score of 0..10 answers, with an adjusted-Wald interval (module doc)."""
    values = _checked(scores, NPS_RANGE, "NPS")
    n = len(values)
    promoters = sum(1 for v in values if v >= 9)
    detractors = sum(1 for v in values if v <= 6)
    passives = n - promoters - detractors
    if n == 0:
        return NpsResult(0, 0, 0, 0, None, None, None)
    value = 100.0 * (promoters - detractors) / n
    m = n + 3
    pp, pd = (promoters + 1) / m, (detractors + 1) / m
    centre = pp - pd
    half = z * math.sqrt(max(0.0, pp + pd - centre * centre) / m)
    return NpsResult(
        n,
        promoters,
        passives,
        detractors,
        value,
        max(-100.0, 100.0 * (centre - half)),
        min(100.0, 100.0 * (centre + half)),
    )


def csat(scores: Iterable[int], *, z: float = Z95) -> Proportion:
    """CSAT: the percentage of 1..5 answers that are 4 or 5, with a Wilson interval."""
    values = _checked(scores, CSAT_RANGE, "CSAT")
    return proportion(sum(1 for v in values if v >= 4), len(values), z=z)


def ces(scores: Iterable[int], *, z: float = Z95) -> CesResult:
    """CES: mean of 1..7 answers (t interval) and the share answering 5-7 (Wilson)."""
    values = _checked(scores, CES_RANGE, "CES")
    n = len(values)
    easy = proportion(sum(1 for v in values if v >= 5), n, z=z)
    if n == 0:
        return CesResult(0, None, None, None, easy)
    mean = sum(values) / n
    if n == 1:
        return CesResult(1, mean, float(CES_RANGE[0]), float(CES_RANGE[1]), easy)
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    # The t quantile for the same two-sided level as z.
    level = 2 * sps.norm.cdf(z) - 1
    t = float(sps.t.ppf(0.5 + level / 2, n - 1))
    half = t * math.sqrt(var / n)
    return CesResult(
        n, mean, max(float(CES_RANGE[0]), mean - half), min(float(CES_RANGE[1]), mean + half), easy
    )


def response_rate(answered: int, sent: int, *, z: float = Z95) -> Proportion:
    """Answered / sent, in percent, with a Wilson interval."""
    return proportion(answered, sent, z=z)
