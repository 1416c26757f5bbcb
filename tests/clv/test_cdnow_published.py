"""The models reproduce the published CDNOW results to the printed precision.

Calibration: the 1/10 sample, 39 weeks from 1997-01-01 to 1997-09-30, purchases merged per day.
References are listed in tests/data/cdnow/README.md and docs/clv.md.
"""

from __future__ import annotations

import numpy as np
import pytest

from fairdesk.clv import (
    BetaGeoModel,
    GammaGammaModel,
    HoldoutSummary,
    ParetoNBDModel,
    customer_lifetime_value,
)


@pytest.fixture(scope="module")
def bgnbd(cdnow: HoldoutSummary) -> BetaGeoModel:
    return BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow.T)


@pytest.fixture(scope="module")
def pareto(cdnow: HoldoutSummary) -> ParetoNBDModel:
    return ParetoNBDModel().fit(cdnow.frequency, cdnow.recency, cdnow.T)


@pytest.fixture(scope="module")
def gamma_gamma(cdnow: HoldoutSummary) -> GammaGammaModel:
    return GammaGammaModel().fit(cdnow.frequency, cdnow.monetary_value)


def test_bgnbd_matches_fader_hardie_lee_2005(bgnbd: BetaGeoModel) -> None:
    p = bgnbd.params_
    assert (round(p["r"], 3), round(p["alpha"], 3)) == (0.243, 4.414)
    assert (round(p["a"], 3), round(p["b"], 3)) == (0.793, 2.426)
    assert round(bgnbd.log_likelihood_, 1) == -9582.4
    assert bgnbd.converged_
    assert bgnbd.n_customers_ == 2357


def test_pareto_nbd_matches_matlab_note(pareto: ParetoNBDModel) -> None:
    p = pareto.params_
    assert (round(p["r"], 3), round(p["alpha"], 2)) == (0.553, 10.58)
    assert (round(p["s"], 3), round(p["beta"], 2)) == (0.606, 11.67)
    assert round(pareto.log_likelihood_, 1) == -9595.0


def test_gamma_gamma_matches_published_on_946_repeat_buyers(gamma_gamma: GammaGammaModel) -> None:
    p = gamma_gamma.params_
    assert (round(p["p"], 2), round(p["q"], 2), round(p["gamma"], 2)) == (6.25, 3.74, 15.44)
    assert gamma_gamma.n_customers_ == 946


def test_bgnbd_standard_errors_match_lifetimes(bgnbd: BetaGeoModel) -> None:
    """Inverse-Hessian standard errors, as reported by lifetimes 0.11.3 on the same data."""
    expected = {"r": 0.012557, "alpha": 0.378221, "a": 0.185719, "b": 0.705345}
    for name, value in expected.items():
        assert bgnbd.standard_errors_[name] == pytest.approx(value, rel=2e-3)


def test_bgnbd_conditional_expectation_of_the_papers_example(bgnbd: BetaGeoModel) -> None:
    """FHL 2005: a customer with x = 2, t_x = 30.43, T = 38.86 buys 1.226 times in 39 weeks."""
    assert round(float(bgnbd.expected_purchases(39, 2, 30.43, 38.86)[0]), 3) == 1.226


def test_predictions_agree_with_lifetimes(published_summary: np.ndarray) -> None:
    """Values lifetimes 0.11.3 gives for the first two customers of the published summary."""
    f, r, t = (published_summary[c] for c in ("frequency", "recency", "T"))
    bgnbd = BetaGeoModel().fit(f, r, t)
    pareto = ParetoNBDModel().fit(f, r, t)
    f, r, t = f[:2], r[:2], t[:2]
    np.testing.assert_allclose(bgnbd.probability_alive(f, r, t), [0.726609, 0.212227], rtol=1e-4)
    np.testing.assert_allclose(
        bgnbd.expected_purchases(39, f, r, t), [1.225910, 0.203251], rtol=1e-4
    )
    np.testing.assert_allclose(pareto.probability_alive(f, r, t), [0.869110, 0.167875], rtol=1e-3)
    np.testing.assert_allclose(
        pareto.expected_purchases(39, f, r, t), [1.455123, 0.170979], rtol=1e-3
    )


def test_clv_agrees_with_lifetimes(
    cdnow: HoldoutSummary, bgnbd: BetaGeoModel, gamma_gamma: GammaGammaModel
) -> None:
    """lifetimes' customer_lifetime_value(time=12, discount_rate=0.01, freq='W'): 4.345 weeks."""
    spend = gamma_gamma.expected_average_spend(cdnow.frequency, cdnow.monetary_value)
    clv = customer_lifetime_value(
        bgnbd, cdnow.frequency, cdnow.recency, cdnow.T, spend, period_length=4.345
    )
    np.testing.assert_allclose(clv[:2], [36.273977, 4.640936], rtol=1e-4)
    assert clv.sum() == pytest.approx(71507.95, rel=1e-5)


def test_holdout_predictions_track_actual_purchases(
    cdnow: HoldoutSummary, bgnbd: BetaGeoModel, pareto: ParetoNBDModel
) -> None:
    """Over the 39-week holdout both models' total is within 15 % of the actual count.

    (1,882 repeat purchase days actually happened; BG/NBD expects 1,653 and Pareto/NBD 1,665:
    both under-predict, as in the literature, mostly through customers who were quiet in the
    calibration period; docs/clv.md breaks this down by calibration frequency.)
    """
    actual = cdnow.frequency_holdout.sum()
    for model in (bgnbd, pareto):
        expected = model.expected_purchases(
            cdnow.duration_holdout, cdnow.frequency, cdnow.recency, cdnow.T
        )
        assert expected.sum() == pytest.approx(actual, rel=0.15)


def test_several_horizons_at_once_equal_one_at_a_time(
    cdnow: HoldoutSummary, bgnbd: BetaGeoModel, pareto: ParetoNBDModel
) -> None:
    rfm = (cdnow.frequency, cdnow.recency, cdnow.T)
    for model in (bgnbd, pareto):
        both = model.expected_purchases([13.0, 39.0], *rfm)
        assert both.shape == (2, cdnow.T.size)
        np.testing.assert_allclose(both[1], model.expected_purchases(39.0, *rfm), rtol=1e-12)
        assert np.all(both[1] >= both[0])
