"""BG/NBD: the beta-geometric / negative-binomial model of repeat purchasing.

Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2). While alive, a customer buys at a Poisson rate
``lambda ~ Gamma(r, alpha)``; after each repeat purchase they drop out for good with probability
``p ~ Beta(a, b)``. The inputs per customer are ``frequency`` (repeat purchases ``x``),
``recency`` (age at the last purchase ``t_x``) and ``T`` (age at the end of the period), all in
one time unit, as built by :mod:`fairdesk.clv.summary`.

Everything is computed in log-space (``gammaln``, ``betaln``, ``logaddexp``) so that frequencies
in the millions or ages far beyond the calibration period stay finite.
"""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from fairdesk.clv._base import MleEstimator
from fairdesk.clv._hypergeometric import log_hyp2f1
from fairdesk.clv._mle import maximize_likelihood
from fairdesk.clv._rows import Levels, compress_rows
from fairdesk.clv._validation import (
    as_horizons,
    finite_output,
    validate_rfm,
    validate_weights,
)
from fairdesk.clv.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
Theta = tuple[float, ...]

#: Below this distance from a = 1 the expected-purchases formula is 0/0 in floating point; it
#: is evaluated at twice this distance on both sides and averaged (it is smooth through a = 1).
_A_NEAR_ONE = 1e-6


def loglik_and_gradient(
    theta: FloatArray, x: Levels, t_x: Levels, T: Levels
) -> tuple[FloatArray, FloatArray]:
    """Per-customer log-likelihood (FHL 2005, eq. 6) and its gradient in (r, alpha, a, b).

    ``log L = A1 + log(exp(A2) + [x > 0] exp(A3))`` with
    ``A1 = log G(r+x) - log G(r) + r log alpha``,
    ``A2 = log B(a, b+x) - log B(a, b) - (r+x) log(alpha+T)`` and
    ``A3 = log B(a+1, b+x-1) - log B(a, b) - (r+x) log(alpha+t_x)``.
    The gradient weighs the derivatives of A2 and A3 by their shares ``w2, w3`` of the sum.
    Special functions are evaluated per distinct frequency, logarithms per distinct age.
    """
    r, alpha, a, b = (float(v) for v in theta)
    xv, xi = x.values, x.index
    repeat = xv > 0
    beta_ab = betaln(a, b)
    a1_level = gammaln(r + xv) - gammaln(r) + r * np.log(alpha)
    b2_level = betaln(a, b + xv) - beta_ab
    b3_level = np.full_like(xv, -np.inf)
    b3_level[repeat] = betaln(a + 1, b + xv[repeat] - 1) - beta_ab
    psi_ab_abx = digamma(a + b) - digamma(a + b + xv)
    psi_b_shift = np.zeros_like(xv)
    psi_b_shift[repeat] = digamma(b + xv[repeat] - 1)

    rx = r + xv[xi]
    log_alpha_T = np.log(alpha + T.values)[T.index]
    log_alpha_tx = np.log(alpha + t_x.values)[t_x.index]
    a2 = b2_level[xi] - rx * log_alpha_T
    a3 = b3_level[xi] - rx * log_alpha_tx
    log_sum = np.logaddexp(a2, a3)
    w2 = np.exp(a2 - log_sum)
    w3 = np.exp(a3 - log_sum)

    grad = np.empty((4, xi.size))
    grad[0] = (digamma(r + xv) - digamma(r) + np.log(alpha))[xi]
    grad[0] -= w2 * log_alpha_T + w3 * log_alpha_tx
    grad[1] = r / alpha - rx * (w2 / (alpha + T.values)[T.index] + w3 / np.exp(log_alpha_tx))
    grad[2] = psi_ab_abx[xi] + w3 / a
    grad[3] = (psi_ab_abx - digamma(b))[xi] + w2 * digamma(b + xv)[xi] + w3 * psi_b_shift[xi]
    return a1_level[xi] + log_sum, grad


def _log_odds_dead(theta: Theta, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """``log[(a / (b+x-1)) ((alpha+T)/(alpha+t_x))^(r+x)]``; -inf when x = 0 (cannot be dead)."""
    r, alpha, a, b = theta
    out = np.full_like(x, -np.inf)
    repeat = x > 0
    xr = x[repeat]
    out[repeat] = (
        np.log(a)
        - np.log(b + xr - 1)
        + (r + xr) * (np.log(alpha + T[repeat]) - np.log(alpha + t_x[repeat]))
    )
    return out


def _expected_purchases(
    theta: Theta, t: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """FHL 2005 eq. 10: ``(a+b+x-1)/(a-1) * [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]
    * P(alive)`` with ``z = t/(alpha+T+t)``.

    The bracket depends on (x, T) only, which take far fewer distinct pairs than customers,
    so it is evaluated once per pair.
    """
    r, alpha, a, b = theta
    if abs(a - 1) < _A_NEAR_ONE:
        below = _expected_purchases((r, alpha, 1 - 2 * _A_NEAR_ONE, b), t, x, t_x, T)
        above = _expected_purchases((r, alpha, 1 + 2 * _A_NEAR_ONE, b), t, x, t_x, T)
        return (below + above) / 2
    pairs = compress_rows(x, T)
    px, pT = pairs.columns
    c = a + b + px - 1
    bracket = c / (a - 1) * (1 - _discounted_series(theta, t, px, pT))
    alive = expit(-_log_odds_dead(theta, x, t_x, T))
    return np.asarray(pairs.expand(bracket) * alive, dtype=np.float64)


def _discounted_series(theta: Theta, t: float, x: FloatArray, T: FloatArray) -> FloatArray:
    """``(1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)``, ``z = t/(alpha+T+t)``, without overflow.

    It is taken in whichever of two equal forms has a bounded series on [0, 1): the textbook
    one when ``a - 1 >= r + x``, otherwise Euler's transformation
    ``(1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)``. The other form multiplies a power that
    underflows by a series that overflows (inf * 0) for large ``x`` or large ``a``. Where SciPy
    still overflows (parameters in the hundreds), the series is summed in logs.
    """
    r, alpha, a, b = theta
    z = t / (alpha + T + t)
    log_1mz = np.log(alpha + T) - np.log(alpha + T + t)
    c = a + b + x - 1
    euler = a - 1 < r + x
    product = np.empty_like(x)
    keep = ~euler
    xk = x[keep]
    with np.errstate(over="ignore", invalid="ignore"):  # inf * 0 is repaired just below
        product[euler] = np.exp((a - 1) * log_1mz[euler]) * hyp2f1(
            a + b - 1 - r, a - 1, c[euler], z[euler]
        )
        product[keep] = np.exp((r + xk) * log_1mz[keep]) * hyp2f1(r + xk, b + xk, c[keep], z[keep])
    for row in np.flatnonzero(~np.isfinite(product)):
        xr = float(x[row])
        log_series = log_hyp2f1(r + xr, b + xr, float(c[row]), float(z[row]))
        product[row] = np.exp((r + xr) * log_1mz[row] + log_series)
    return product


class BetaGeoModel(MleEstimator):
    """BG/NBD estimator: fit on (frequency, recency, T), predict P(alive) and future purchases.

    Fitted attributes: ``params_`` (``r``, ``alpha``, ``a``, ``b``), ``standard_errors_``,
    ``covariance_``, ``log_likelihood_`` (total, not mean), ``n_iter_``, ``converged_``,
    ``n_customers_``. See :class:`~fairdesk.clv._base.MleEstimator` for the settings.
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")
    model_name: ClassVar[str] = "bgnbd"
    model_version: ClassVar[str] = "bgnbd-1"

    def fit(
        self,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit by maximum likelihood on the distinct rows of the summary.

        ``weights`` counts the customers each row stands for, for summaries already grouped by
        (frequency, recency, T) in SQL; identical rows are grouped here in any case.
        """
        x, t_x, age = validate_rfm(frequency, recency, T)
        w = validate_weights(weights, x.size)
        if not np.any((x > 0) & (w > 0)):
            raise InvalidInputError(
                "frequency",
                "no customer has a repeat purchase, so the purchase rate and the drop-out "
                "process cannot be told apart; the model needs repeat buyers",
            )
        rows = compress_rows(x, t_x, age)
        ux, utx, uT = (Levels.of(column) for column in rows.columns)
        start = np.array([1.0, max(float(uT.values.max()) / 10, 1e-3), 1.0, 1.0])
        result = maximize_likelihood(
            self.param_names,
            lambda theta: loglik_and_gradient(theta, ux, utx, uT)[0],
            lambda theta: loglik_and_gradient(theta, ux, utx, uT),
            rows.total(w),
            start,
            penalizer=self.penalizer,
            tol=self.tol,
            max_iter=self.max_iter,
        )
        self._store(result, float(w.sum()))
        return self

    def probability_alive(
        self, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> FloatArray:
        """P(still a customer at T | x, t_x, T) (FHL 2005 note, eq. 3); 1 when frequency = 0."""
        theta = self._theta()
        rows = compress_rows(*validate_rfm(frequency, recency, T))
        return rows.expand(expit(-_log_odds_dead(theta, *rows.columns)))

    def expected_purchases(
        self,
        t: float | npt.ArrayLike,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
    ) -> FloatArray:
        """Expected repeat purchases in the next ``t`` time units, given each customer's history.

        ``t`` may be one horizon (the result has one value per customer) or several (one row
        per horizon), which evaluates the distinct customer histories only once.
        """
        theta = self._theta()
        horizons, scalar = as_horizons(t)
        rows = compress_rows(*validate_rfm(frequency, recency, T))
        expected = np.stack([_expected_purchases(theta, h, *rows.columns) for h in horizons])
        values = finite_output("expected_purchases", expected)[:, rows.inverse]
        return values[0] if scalar else values
