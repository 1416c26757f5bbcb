"""Bad input gets a clear error naming the argument and row, or a finite answer - never NaN."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fairdesk.clv import (
    BetaGeoModel,
    ConvergenceError,
    GammaGammaModel,
    HoldoutSummary,
    InvalidInputError,
    NotFittedError,
    ParetoNBDModel,
    customer_lifetime_value,
)
from fairdesk.errors import FairdeskError
from tests.clv.helpers import with_params

TRANSACTION_MODELS = [BetaGeoModel, ParetoNBDModel]
CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_PARETO = {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}


@pytest.fixture(params=["bgnbd", "pareto"])
def fitted(request: pytest.FixtureRequest) -> BetaGeoModel | ParetoNBDModel:
    if request.param == "bgnbd":
        return with_params(BetaGeoModel, **CDNOW_BGNBD)
    return with_params(ParetoNBDModel, **CDNOW_PARETO)


@pytest.mark.parametrize("model", TRANSACTION_MODELS)
def test_no_repeat_buyers_is_refused(model: type[BetaGeoModel | ParetoNBDModel]) -> None:
    with pytest.raises(InvalidInputError, match="repeat purchase") as caught:
        model().fit([0, 0, 0], [0.0, 0.0, 0.0], [5.0, 10.0, 20.0])
    assert caught.value.argument == "frequency"
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, FairdeskError)
    assert caught.value.status_code == 422


@pytest.mark.parametrize("model", TRANSACTION_MODELS)
def test_one_customer_does_not_identify_the_model(
    model: type[BetaGeoModel | ParetoNBDModel],
) -> None:
    with pytest.raises(ConvergenceError, match=r"not identified|penalizer"):
        model().fit([2], [5.0], [10.0])


def test_a_penalizer_gives_a_finite_fit_where_the_data_are_thin() -> None:
    model = BetaGeoModel(penalizer=0.01).fit([2], [5.0], [10.0])
    assert all(np.isfinite(v) and v > 0 for v in model.params_.values())


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "argument", "row"),
    [
        ([1, 2], [5.0, 12.0], [10.0, 11.0], "recency", 1),
        ([1, -1], [5.0, 0.0], [10.0, 11.0], "frequency", 1),
        ([1, 1.5], [5.0, 1.0], [10.0, 11.0], "frequency", 1),
        ([1, 2], [5.0, float("nan")], [10.0, 11.0], "recency", 1),
        ([1, 2], [5.0, 1.0], [10.0, float("inf")], "T", 1),
        ([1, 2], [-1.0, 1.0], [10.0, 11.0], "recency", 0),
        ([1, 0], [5.0, 3.0], [10.0, 11.0], "recency", 1),
        ([1, 2], [5.0, 1.0], [10.0, -11.0], "T", 1),
    ],
)
def test_invalid_rows_are_named(
    fitted: BetaGeoModel | ParetoNBDModel,
    frequency: list[float],
    recency: list[float],
    T: list[float],
    argument: str,
    row: int,
) -> None:
    for call in (
        lambda: type(fitted)().fit(frequency, recency, T),
        lambda: fitted.probability_alive(frequency, recency, T),
        lambda: fitted.expected_purchases(10, frequency, recency, T),
    ):
        with pytest.raises(InvalidInputError) as caught:
            call()
        assert (caught.value.argument, caught.value.row) == (argument, row)
        assert f"{argument}[{row}]" in str(caught.value)


def test_mismatched_lengths_and_empty_input(fitted: BetaGeoModel | ParetoNBDModel) -> None:
    with pytest.raises(InvalidInputError, match="differ in length"):
        fitted.probability_alive([1, 2], [1.0], [2.0, 3.0])
    with pytest.raises(InvalidInputError, match="empty"):
        fitted.probability_alive([], [], [])
    with pytest.raises(InvalidInputError, match="t"):
        fitted.expected_purchases(-1, [1], [1.0], [2.0])


def test_t_zero_is_valid_and_finite(cdnow: HoldoutSummary) -> None:
    """A customer whose first purchase is on the last day has T = 0: valid, P(alive) = 1."""
    f = np.append(cdnow.frequency, 0)
    r = np.append(cdnow.recency, 0.0)
    t = np.append(cdnow.T, 0.0)
    for model in (BetaGeoModel().fit(f, r, t), ParetoNBDModel().fit(f, r, t)):
        assert model.probability_alive([0], [0.0], [0.0])[0] == pytest.approx(1.0)
        expected = model.expected_purchases(52, [0], [0.0], [0.0])[0]
        assert np.isfinite(expected) and expected > 0


def test_huge_frequencies_give_finite_predictions(
    fitted: BetaGeoModel | ParetoNBDModel,
) -> None:
    f, r, t = [1_000_000, 1_000_000], [38.0, 30.0], [38.0, 38.0]
    alive = fitted.probability_alive(f, r, t)
    expected = fitted.expected_purchases(39, f, r, t)
    # Buying daily until the end: alive, a million purchases a period; gone quiet: dead.
    assert alive[0] > 0.99 and expected[0] > 1e5
    assert alive[1] < 1e-6 and 0 <= expected[1] < 1e-3


def test_huge_frequencies_in_the_data_fit_or_are_refused_clearly(cdnow: HoldoutSummary) -> None:
    f = np.append(cdnow.frequency, [1_000_000, 1_000_000])
    r = np.append(cdnow.recency, [38.0, 30.0])
    t = np.append(cdnow.T, [38.0, 38.0])
    bgnbd = BetaGeoModel().fit(f, r, t)
    assert all(np.isfinite(v) and v > 0 for v in bgnbd.params_.values())
    assert np.all(np.isfinite(bgnbd.expected_purchases(39, f, r, t)))
    # Pareto/NBD explains the two outliers only with alpha -> 0, and says so.
    with pytest.raises(ConvergenceError, match="not identified"):
        ParetoNBDModel().fit(f, r, t)


def test_spend_model_refuses_non_positive_spend_of_repeat_buyers() -> None:
    with pytest.raises(InvalidInputError) as caught:
        GammaGammaModel().fit([1, 2, 3], [10.0, 0.0, 5.0])
    assert (caught.value.argument, caught.value.row) == ("monetary_value", 1)
    with pytest.raises(InvalidInputError, match=r"monetary_value\[0\]"):
        GammaGammaModel().fit([1, 2], [-4.0, 5.0])


def test_spend_model_skips_customers_without_repeat_purchases(cdnow: HoldoutSummary) -> None:
    """A one-time buyer's spend (0, or anything) says nothing about repeat spend."""
    m = np.where(cdnow.frequency > 0, cdnow.monetary_value, -1.0)
    model = GammaGammaModel().fit(cdnow.frequency, m)
    assert model.n_customers_ == 946
    with pytest.raises(InvalidInputError, match="repeat purchase"):
        GammaGammaModel().fit([0, 0], [10.0, 20.0])


def test_spend_model_refuses_an_infinite_population_mean() -> None:
    model = with_params(GammaGammaModel, p=6.25, q=0.9, gamma=15.44)
    assert model.population_mean_spend() == float("inf")
    assert model.expected_average_spend([5], [20.0])[0] > 0
    with pytest.raises(InvalidInputError, match="infinite expected spend") as caught:
        model.expected_average_spend([5, 0], [20.0, 0.0])
    assert caught.value.row == 1


def test_spend_model_without_heterogeneity_raises_convergence_error() -> None:
    """Everyone spends exactly alike: the likelihood keeps rising as p, q -> infinity."""
    with pytest.raises(ConvergenceError, match="penalizer"):
        GammaGammaModel().fit(np.tile([1.0, 2, 3, 5, 8], 40), np.full(200, 20.0))


def test_a_penalizer_gives_a_spend_model_where_customers_barely_differ() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 10, 120).astype(float)
    m = np.array([rng.gamma(4.0, 8.0, int(k)).mean() for k in x])
    with pytest.raises(ConvergenceError):
        GammaGammaModel().fit(x, m)
    model = GammaGammaModel(penalizer=1e-4).fit(x, m)
    assert model.population_mean_spend() == pytest.approx(32.0, rel=0.1)


def test_clv_arguments_are_checked(fitted: BetaGeoModel | ParetoNBDModel) -> None:
    call = {"period_length": 4.345}
    with pytest.raises(InvalidInputError, match="expected_spend"):
        customer_lifetime_value(fitted, [1], [1.0], [2.0], [float("nan")], **call)
    with pytest.raises(InvalidInputError, match="period_length"):
        customer_lifetime_value(fitted, [1], [1.0], [2.0], [1.0], period_length=0)
    with pytest.raises(InvalidInputError, match="periods"):
        customer_lifetime_value(fitted, [1], [1.0], [2.0], [1.0], periods=0, **call)
    with pytest.raises(InvalidInputError, match="discount_rate"):
        customer_lifetime_value(fitted, [1], [1.0], [2.0], [1.0], discount_rate=-0.1, **call)


def test_configuration_is_checked() -> None:
    for kwargs in ({"penalizer": -1.0}, {"tol": 0.0}, {"max_iter": 0}):
        with pytest.raises(InvalidInputError):
            BetaGeoModel(**kwargs)  # type: ignore[arg-type]


def test_max_iter_reached_is_a_convergence_error(cdnow: HoldoutSummary) -> None:
    with pytest.raises(ConvergenceError, match="max_iter"):
        BetaGeoModel(max_iter=2).fit(cdnow.frequency, cdnow.recency, cdnow.T)


def test_unfitted_model_says_so() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        BetaGeoModel().probability_alive([1], [1.0], [2.0])
    with pytest.raises(NotFittedError):
        GammaGammaModel().to_dict()


def test_state_round_trips_through_json_without_training_data(cdnow: HoldoutSummary) -> None:
    model = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    state = json.loads(json.dumps(model.to_dict()))
    assert state["model_version"] == BetaGeoModel.model_version
    assert set(vars(model)) <= {
        "penalizer",
        "tol",
        "max_iter",
        "params_",
        "standard_errors_",
        "covariance_",
        "log_likelihood_",
        "n_iter_",
        "converged_",
        "n_customers_",
    }
    again = BetaGeoModel.from_dict(state)
    np.testing.assert_allclose(
        again.probability_alive(cdnow.frequency, cdnow.recency, cdnow.T),
        model.probability_alive(cdnow.frequency, cdnow.recency, cdnow.T),
    )
    with pytest.raises(InvalidInputError, match="version"):
        ParetoNBDModel.from_dict(state)
    with pytest.raises(InvalidInputError, match="version"):
        BetaGeoModel.from_dict({**state, "model_version": "bgnbd-0"})


def test_weights_equal_repeated_rows(cdnow: HoldoutSummary) -> None:
    """Fitting distinct rows with customer counts is the same fit as one row per customer."""
    keys = np.stack([cdnow.frequency, cdnow.recency, cdnow.T])
    rows, counts = np.unique(keys, axis=1, return_counts=True)
    grouped = BetaGeoModel().fit(rows[0], rows[1], rows[2], weights=counts)
    full = BetaGeoModel().fit(cdnow.frequency, cdnow.recency, cdnow.T)
    for name in BetaGeoModel.param_names:
        assert grouped.params_[name] == pytest.approx(full.params_[name], rel=1e-6)
    with pytest.raises(InvalidInputError, match="weights"):
        BetaGeoModel().fit([1, 2], [1.0, 1.0], [2.0, 2.0], weights=[1.0, -1.0])
