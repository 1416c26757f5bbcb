"""RFM scores and named segments: quintiles, ties, small data, no purchases (pure)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairdesk.segments.rfm import GRID, RfmScorer, RfmScores, RfmSegment, fm_score, segment_of


def _score(recency: list[float], frequency: list[float], monetary: list[float]
           ) -> RfmScores:
    r, f, m = (np.array(x, dtype=np.float64) for x in (recency, frequency, monetary))
    return RfmScorer().fit(r, f, m).predict(r, f, m)


def test_quintiles_spread_distinct_values_over_one_to_five() -> None:
    n = np.arange(1, 101, dtype=np.float64)
    s = _score(list(101 - n), list(n), list(n * 10))
    assert sorted(set(s.f.tolist())) == [1, 2, 3, 4, 5]
    assert np.bincount(s.f)[1:].tolist() == [20, 20, 20, 20, 20]
    # most recent (smallest recency) scores highest
    assert s.r[np.argmin(101 - n)] == 5 and s.r[np.argmax(101 - n)] == 1
    assert s.segment[-1] is RfmSegment.CHAMPIONS and s.segment[0] is RfmSegment.LOST


def test_ties_share_a_score_and_land_mid_quintile() -> None:
    # 60 % bought once: the single-order customers span three quintiles and get the middle.
    freq = [1] * 60 + [2] * 20 + [5] * 20
    s = _score([10.0] * 100, freq, [20.0] * 100)
    assert set(s.f[:60].tolist()) == {2}
    assert set(s.f[60:80].tolist()) == {4} and set(s.f[80:].tolist()) == {5}


def test_single_customer_and_identical_customers_score_three() -> None:
    one = _score([5.0], [1], [30.0])
    assert (one.r[0], one.f[0], one.m[0]) == (3, 3, 3)
    alike = _score([7.0] * 4, [2] * 4, [50.0] * 4)
    assert set(alike.r.tolist()) == {3} and set(alike.segment) == {RfmSegment.NEED_ATTENTION}


def test_customers_without_orders_are_placed_as_no_purchases() -> None:
    s = _score([3.0, np.nan, 40.0], [2, 0, 1], [50.0, 0.0, 10.0])
    assert s.segment[1] is RfmSegment.NO_PURCHASES
    assert (s.r[1], s.f[1], s.m[1]) == (0, 0, 0)
    assert s.segment[0] is not RfmSegment.NO_PURCHASES


def test_grid_names_every_cell_and_each_named_segment_is_reachable() -> None:
    named = {GRID[r][c] for r in range(5) for c in range(5)}
    assert named == set(RfmSegment) - {RfmSegment.NO_PURCHASES}
    assert segment_of(0, 0, 0) is RfmSegment.NO_PURCHASES
    assert segment_of(5, 5, 5) is RfmSegment.CHAMPIONS
    assert segment_of(1, 5, 4) is RfmSegment.CANT_LOSE
    assert fm_score(np.array([2]), np.array([3]))[0] == 3  # halves round up


def test_fit_needs_a_buyer() -> None:
    with pytest.raises(ValueError, match="at least one customer with an order"):
        RfmScorer().fit(np.array([np.nan]), np.array([0.0]), np.array([0.0]))


values = st.lists(st.tuples(st.floats(0, 900), st.integers(1, 40), st.floats(0, 5_000)),
                  min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(values)
def test_scores_are_in_range_consistent_for_ties_and_monotone(rows: list[tuple[float, int, float]]
                                                              ) -> None:
    rec, freq, mon = (list(x) for x in zip(*rows, strict=True))
    s = _score(rec, freq, mon)
    for arr in (s.r, s.f, s.m):
        assert arr.min() >= 1 and arr.max() <= 5
    f = np.array(freq)
    for i in range(len(rows)):
        same = f == f[i]
        assert set(s.f[same].tolist()) == {s.f[i]}  # equal values, equal scores
        assert (s.f[f > f[i]] >= s.f[i]).all()  # more orders never scores lower
    assert all(seg is segment_of(int(r), int(ff), int(m))
               for seg, r, ff, m in zip(s.segment, s.r, s.f, s.m, strict=True))
