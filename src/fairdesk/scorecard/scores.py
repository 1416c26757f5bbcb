"""CSAT, CES and NPS from per-score counts, exactly as ``feedback.surveys.metrics`` defines them.

The survey metrics take raw answers; the scorecard keeps only how many answers gave each score
(the rollup), so expanding them back into lists would cost a list of every answer per cell on
every page view. These functions compute the same results, intervals included, from the
counts alone; the tests check them against both the survey module and a plain reference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from scipy import special

from fairdesk.feedback.surveys.metrics import (
    CES_RANGE,
    Z95,
    CesResult,
    NpsResult,
    Proportion,
    proportion,
)

Counts = Mapping[int, int]  # score -> number of answers


def csat(counts: Counts, *, z: float = Z95) -> Proportion:
    """Share of 1..5 answers that are 4 or 5 (Wilson interval)."""
    n = sum(counts.values())
    return proportion(sum(k for s, k in counts.items() if s >= 4), n, z=z)


def nps(counts: Counts, *, z: float = Z95) -> NpsResult:
    """% promoters (9-10) minus % detractors (0-6), with the survey module's adjusted Wald."""
    n = sum(counts.values())
    promoters = sum(k for s, k in counts.items() if s >= 9)
    detractors = sum(k for s, k in counts.items() if s <= 6)
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
        n - promoters - detractors,
        detractors,
        value,
        max(-100.0, 100.0 * (centre - half)),
        min(100.0, 100.0 * (centre + half)),
    )


def ces(counts: Counts, *, z: float = Z95) -> CesResult:
    """Mean effort score 1..7 (Student t interval) and the share of easy answers (5-7)."""
    n = sum(counts.values())
    easy = proportion(sum(k for s, k in counts.items() if s >= 5), n, z=z)
    if n == 0:
        return CesResult(0, None, None, None, easy)
    mean = sum(s * k for s, k in counts.items()) / n
    low, high = float(CES_RANGE[0]), float(CES_RANGE[1])
    if n == 1:
        return CesResult(1, mean, low, high, easy)
    var = sum(k * (s - mean) ** 2 for s, k in counts.items()) / (n - 1)
    # The special functions scipy.stats wraps, without its per-call overhead (a page asks for
    # hundreds of cells).
    level = 2 * float(special.ndtr(z)) - 1
    t = float(special.stdtrit(n - 1, 0.5 + level / 2))
    half = t * math.sqrt(var / n)
    return CesResult(n, mean, max(low, mean - half), min(high, mean + half), easy)
