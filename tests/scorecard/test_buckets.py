"""Medians and p90 read from log buckets are exact to within one bucket (10 %)."""

from __future__ import annotations

from collections import Counter
from math import ceil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdesk.scorecard.buckets import BASE, bounds, bucket_of, quantile

durations = st.lists(st.floats(1.0, 400_000.0, allow_nan=False), min_size=1, max_size=400)


@given(durations, st.sampled_from([0.5, 0.9]))
def test_quantile_is_within_one_bucket_of_the_nearest_rank_value(
    values: list[float], q: float
) -> None:
    exact = sorted(values)[ceil(q * len(values)) - 1]
    got = quantile(Counter(bucket_of(v) for v in values), q)
    assert got is not None
    assert got == pytest.approx(exact, rel=BASE - 1)


@given(st.floats(0.0, 1e7, allow_nan=False))
def test_every_duration_falls_inside_its_bucket(minutes: float) -> None:
    low, high = bounds(bucket_of(minutes))
    assert low <= max(minutes, 1.0) < high


def test_nothing_counted_is_no_data_not_zero() -> None:
    assert quantile(Counter(), 0.5) is None
    assert quantile({3: 0}, 0.9) is None
