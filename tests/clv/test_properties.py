"""Rules every prediction obeys, for any parameters and any valid customer history."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from fairdesk.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    customer_lifetime_value,
)
from tests.clv.helpers import with_params

positive = st.floats(min_value=0.02, max_value=50.0)
FloatArray = npt.NDArray[np.float64]


@st.composite
def histories(draw: st.DrawFn) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Up to 8 customers: age T in [0, 200], last purchase within [0, T], possible counts."""
    n = draw(st.integers(1, 8))
    T = np.array(draw(st.lists(st.floats(0.0, 200.0), min_size=n, max_size=n)))
    x = np.array(
        draw(st.lists(st.sampled_from([0, 1, 2, 3, 7, 20, 150, 10**6]), min_size=n, max_size=n)),
        dtype=np.float64,
    )
    share = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    recency = share * T
    # Repeat purchases fall on distinct days, so a history in weeks holds at most 7 per week
    # of recency (extreme, impossible histories are covered by test_bad_input).
    x = np.minimum(x, np.floor(7 * recency))
    return x, np.where(x > 0, recency, 0.0), T


def bgnbd(r: float, alpha: float, a: float, b: float) -> BetaGeoModel:
    return with_params(BetaGeoModel, r=r, alpha=alpha, a=a, b=b)


def pareto(r: float, alpha: float, s: float, beta: float) -> ParetoNBDModel:
    return with_params(ParetoNBDModel, r=r, alpha=alpha, s=s, beta=beta)


models = st.one_of(
    st.builds(bgnbd, positive, positive, positive, positive),
    st.builds(pareto, positive, positive, positive, positive),
)


@settings(max_examples=150, deadline=None)
@given(model=models, history=histories())
def test_probability_alive_is_a_probability(
    model: BetaGeoModel | ParetoNBDModel, history: tuple[FloatArray, FloatArray, FloatArray]
) -> None:
    alive = model.probability_alive(*history)
    assert np.all(np.isfinite(alive)) and np.all((alive >= 0) & (alive <= 1))


@settings(max_examples=100, deadline=None)
@given(r=positive, alpha=positive, a=positive, b=positive, history=histories())
def test_bgnbd_customer_without_repeat_purchase_is_alive(
    r: float, alpha: float, a: float, b: float, history: tuple[FloatArray, FloatArray, FloatArray]
) -> None:
    """In BG/NBD a customer can only drop out right after a repeat purchase."""
    x, _, T = history
    alive = bgnbd(r, alpha, a, b).probability_alive(np.zeros_like(x), np.zeros_like(x), T)
    np.testing.assert_array_equal(alive, 1.0)


@settings(max_examples=150, deadline=None)
@given(
    model=models,
    history=histories(),
    horizons=st.lists(st.floats(0.0, 500.0), min_size=2, max_size=4),
)
def test_expected_purchases_are_finite_non_negative_and_grow_with_time(
    model: BetaGeoModel | ParetoNBDModel,
    history: tuple[FloatArray, FloatArray, FloatArray],
    horizons: list[float],
) -> None:
    values = np.array([model.expected_purchases(t, *history) for t in sorted(horizons)])
    assert np.all(np.isfinite(values))
    assert np.all(values >= -1e-12)
    scale = 1e-9 * np.maximum(1.0, np.abs(values))
    assert np.all(np.diff(values, axis=0) >= -scale[1:])
    assert np.all(model.expected_purchases(0.0, *history) == 0.0)


@settings(max_examples=100, deadline=None)
@given(
    p=positive,
    q=st.floats(1.05, 50.0),
    gamma=positive,
    x=st.integers(0, 10**6),
    m=st.floats(0.01, 1e5),
)
def test_expected_spend_lies_between_own_mean_and_population_mean(
    p: float, q: float, gamma: float, x: int, m: float
) -> None:
    """Gamma-Gamma shrinks a customer's mean towards the population mean, never past it."""
    model = with_params(GammaGammaModel, p=p, q=q, gamma=gamma)
    spend = model.expected_average_spend([x], [m])[0]
    population = model.population_mean_spend()
    own = m if x > 0 else population
    assert np.isfinite(spend)
    assert min(own, population) * (1 - 1e-9) <= spend <= max(own, population) * (1 + 1e-9)


@settings(max_examples=60, deadline=None)
@given(
    model=models,
    history=histories(),
    rate=st.floats(0.0, 0.2),
    periods=st.integers(1, 24),
)
def test_clv_is_finite_grows_with_horizon_and_falls_with_discounting(
    model: BetaGeoModel | ParetoNBDModel,
    history: tuple[FloatArray, FloatArray, FloatArray],
    rate: float,
    periods: int,
) -> None:
    spend = np.full(history[0].size, 25.0)

    def clv(n: int, d: float) -> FloatArray:
        return customer_lifetime_value(
            model, *history, spend, period_length=4.348, periods=n, discount_rate=d
        )

    base = clv(periods, rate)
    assert np.all(np.isfinite(base)) and np.all(base >= -1e-9)
    assert np.all(clv(periods + 1, rate) >= base * (1 - 1e-9) - 1e-9)
    assert np.all(clv(periods, rate + 0.05) <= base * (1 + 1e-9) + 1e-9)
