"""The robust z-score rule: properties that must hold for any data (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from fairdesk.fairness.signals.robust import robust_z

# Rates are claims / orders: ratios of small whole numbers, never denormal floats.
rates = st.lists(st.integers(0, 5000).map(lambda n: n / 1000), min_size=1, max_size=60)
segments = st.sampled_from(["champions", "loyal", "at_risk", None])


@settings(max_examples=150, deadline=None)
@given(rates, st.floats(min_value=0.01, max_value=1000), st.data())
def test_scale_invariant(values: list[float], factor: float, data: st.DataObject) -> None:
    groups = data.draw(st.lists(segments, min_size=len(values), max_size=len(values)))
    plain = robust_z(values, groups, min_peers=5).z
    scaled = robust_z(np.asarray(values) * factor, groups, min_peers=5).z
    assert np.allclose(plain, scaled, rtol=1e-6, atol=1e-6)


@settings(max_examples=150, deadline=None)
@given(rates, st.integers(min_value=1, max_value=20))
def test_a_customer_at_the_peer_median_scores_zero(values: list[float], peers: int) -> None:
    median = float(np.median(values))
    scores = robust_z([*values, median], [None] * (len(values) + 1), min_peers=peers)
    # Adding a value at the median leaves the median unchanged for odd and even counts alike.
    assert np.isclose(scores.median[-1], median)
    assert scores.z[-1] == 0.0
    at_median = np.isclose(np.asarray([*values, median]), scores.median)
    assert np.all(scores.z[at_median] == 0)


@settings(max_examples=100, deadline=None)
@given(rates)
def test_shifting_every_rate_changes_no_score(values: list[float]) -> None:
    base = robust_z(values, [None] * len(values), min_peers=1).z
    moved = robust_z(np.asarray(values) + 0.25, [None] * len(values), min_peers=1).z
    assert np.allclose(base, moved, atol=1e-6)


def test_small_segment_falls_back_to_everyone() -> None:
    values = [0.0] * 40 + [0.1] * 10 + [1.0]
    groups = ["big"] * 50 + ["lonely"]
    scores = robust_z(values, groups, min_peers=30)
    assert scores.group[-1] == "" and scores.peers[-1] == 51
    assert scores.group[0] == "big" and scores.peers[0] == 50
    assert scores.z[-1] > 3.5


def test_one_extreme_claimant_cannot_hide_by_inflating_the_spread() -> None:
    values = [0.0] * 20 + [0.05] * 20 + [0.9]
    z = robust_z(values, [None] * 41, min_peers=1).z
    mean, sd = np.mean(values), np.std(values)
    assert z[-1] > 10 > (values[-1] - mean) / sd


def test_unknown_rates_get_no_score() -> None:
    scores = robust_z([np.nan, 0.0, 0.5], [None, None, None], min_peers=1)
    assert scores.z[0] == 0 and scores.peers[0] == 0 and scores.peers[1] == 2


def test_all_identical_scores_zero() -> None:
    assert np.all(robust_z([0.2] * 10, [None] * 10, min_peers=1).z == 0)
