"""Log-spaced minute buckets: medians and p90 of durations from counts that add up.

A duration of ``m`` minutes falls in bucket ``floor(log(max(m, 1)) / log(BASE))``; bucket
``k`` covers ``[BASE**k, BASE**(k+1))`` minutes; a duration under a minute counts as one
minute (no one reads a first-response time to the second). Histograms of weeks and values
simply add, and a nearest-rank quantile read from them is exact to within one bucket:
``BASE - 1`` = 10 % of the value (HdrHistogram's idea, in SQL-friendly form).
The same formula runs inside the database (``rollup.py``) and here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

BASE = 1.1
LOG_BASE = math.log(BASE)


def bucket_of(minutes: float) -> int:
    return math.floor(math.log(max(minutes, 1.0)) / LOG_BASE)


def bounds(bucket: int) -> tuple[float, float]:
    """The minutes a bucket covers."""
    return BASE**bucket, BASE ** (bucket + 1)


def quantile(counts: Mapping[int, int], q: float) -> float | None:
    """The nearest-rank q-quantile (0..1) of the durations counted, placed inside its bucket.

    None when nothing was counted: "no data", not zero.
    """
    total = sum(counts.values())
    if total <= 0:
        return None
    target = q * total
    seen = 0
    for bucket in sorted(counts):
        n = counts[bucket]
        if n <= 0:
            continue
        if seen + n >= target:
            low, high = bounds(bucket)
            share = (target - seen) / n
            return low + share * (high - low)
        seen += n
    return bounds(max(counts))[1]
