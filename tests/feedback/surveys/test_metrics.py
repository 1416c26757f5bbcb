"""NPS, CSAT, CES and Wilson intervals against plain reference implementations (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdesk.feedback.surveys import metrics

NPS_SCORES = st.lists(st.integers(0, 10), max_size=300)
CSAT_SCORES = st.lists(st.integers(1, 5), max_size=300)
CES_SCORES = st.lists(st.integers(1, 7), max_size=300)


def _ref_nps(scores: list[int]) -> float:
    """The textbook definition, spelled out."""
    promoters = len([s for s in scores if s in (9, 10)])
    detractors = len([s for s in scores if s in (0, 1, 2, 3, 4, 5, 6)])
    return (promoters / len(scores)) * 100 - (detractors / len(scores)) * 100


def _ref_wilson(k: int, n: int, z: float) -> tuple[float, float]:
    """Wilson (1927) written as the roots of the quadratic (p - phat)^2 = z^2 p (1 - p) / n."""
    phat = k / n
    a = 1 + z * z / n
    b = -(2 * phat + z * z / n)
    c = phat * phat
    disc = math.sqrt(max(0.0, b * b - 4 * a * c))
    return (-b - disc) / (2 * a), (-b + disc) / (2 * a)


@given(NPS_SCORES)
def test_nps_matches_the_definition(scores: list[int]) -> None:
    result = metrics.nps(scores)
    assert result.n == len(scores)
    assert result.promoters + result.passives + result.detractors == len(scores)
    if not scores:
        assert (result.value, result.low, result.high) == (None, None, None)
        return
    assert result.value == pytest.approx(_ref_nps(scores))
    assert result.low is not None and result.high is not None
    assert -100 <= result.low <= result.high <= 100
    assert result.high - result.low > 0  # never a zero-width interval, even at 100 % promoters


@given(CSAT_SCORES)
def test_csat_is_the_share_of_4_and_5(scores: list[int]) -> None:
    result = metrics.csat(scores)
    if not scores:
        assert result.value is None and result.n == 0
        return
    satisfied = len([s for s in scores if s == 4 or s == 5])
    assert result.value == pytest.approx(100 * satisfied / len(scores))
    assert result.value is not None and result.low is not None and result.high is not None
    assert result.low <= result.value <= result.high


@given(CES_SCORES)
def test_ces_mean_and_easy_share(scores: list[int]) -> None:
    result = metrics.ces(scores)
    if not scores:
        assert result.mean is None and result.easy.value is None
        return
    assert result.mean == pytest.approx(sum(scores) / len(scores))
    assert result.easy.value == pytest.approx(
        100 * len([s for s in scores if s >= 5]) / len(scores)
    )
    assert result.mean is not None and result.low is not None and result.high is not None
    assert 1 <= result.low <= result.mean + 1e-9 and result.mean - 1e-9 <= result.high <= 7


@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_matches_the_quadratic_roots(kn: tuple[int, int]) -> None:
    k, n = kn
    low, high = metrics.wilson(k, n) or (math.nan, math.nan)
    ref_low, ref_high = _ref_wilson(k, n, metrics.Z95)
    assert low == pytest.approx(ref_low, abs=1e-9)
    assert high == pytest.approx(ref_high, abs=1e-9)
    assert 0 <= low <= k / n <= high <= 1


def test_known_values() -> None:
    # 6 promoters, 2 passives, 2 detractors: NPS = 60 - 20 = 40.
    assert metrics.nps([10, 9, 9, 10, 9, 10, 8, 7, 3, 6]).value == pytest.approx(40.0)
    # Wilson for 8/10 at 95 %: 0.4902 .. 0.9433 (published tables).
    low, high = metrics.wilson(8, 10) or (0.0, 0.0)
    assert (round(low, 4), round(high, 4)) == (0.4902, 0.9433)
    assert metrics.response_rate(0, 0).value is None  # no data, no division by zero


def test_wide_samples_give_narrow_intervals() -> None:
    small = metrics.nps([10, 0] * 10)
    large = metrics.nps([10, 0] * 1000)
    assert small.low is not None and small.high is not None
    assert large.low is not None and large.high is not None
    assert (large.high - large.low) < (small.high - small.low) / 5


@pytest.mark.parametrize(
    ("fn", "bad"), [(metrics.nps, 11), (metrics.nps, -1), (metrics.csat, 0), (metrics.ces, 8)]
)
def test_out_of_range_scores_are_refused(fn: object, bad: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        fn([bad])  # type: ignore[operator]
