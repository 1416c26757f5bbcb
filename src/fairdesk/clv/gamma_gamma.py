"""Gamma-Gamma model of the value of a customer's repeat purchases.

Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base Analysis",
JMR 42(4), and Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value". Each repeat
purchase of a customer is worth ``z ~ Gamma(p, nu)`` on average ``p / nu``, and ``nu`` varies
across customers as ``Gamma(q, gamma)``. From ``x`` repeat purchases with mean value ``m`` the
model predicts the customer's expected spend per purchase as a weighted average of ``m`` and
the population mean, so a customer seen buying once is pulled towards the population and a
frequent buyer keeps their own average.

It assumes spend per purchase is independent of purchase frequency; customers with no repeat
purchase carry no information about repeat spend and are skipped by :meth:`GammaGammaModel.fit`.
"""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
from scipy.special import digamma, gammaln

from fairdesk.clv._base import MleEstimator
from fairdesk.clv._mle import maximize_likelihood
from fairdesk.clv._rows import Levels, compress_rows
from fairdesk.clv._validation import as_float_array, same_length, validate_weights
from fairdesk.clv.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]


def loglik_and_gradient(
    theta: FloatArray, x: Levels, m: FloatArray, log_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Per-customer log-density of the mean spend ``m`` over ``x`` purchases, and its gradient.

    ``log f = log G(px+q) - log G(px) - log G(q) + q log gamma + (px-1) log m + px log x
    - (px+q) log(gamma + m x)`` (Fader & Hardie 2013, eq. 5, density of the mean). Special
    functions are evaluated per distinct frequency; ``log_m`` is passed in because it does not
    change during a fit.
    """
    p, q, gamma = (float(v) for v in theta)
    xv, xi = x.values, x.index
    pxv = p * xv
    psi_pxq = digamma(pxv + q)
    level_value = gammaln(pxv + q) - gammaln(pxv) + pxv * np.log(xv)
    level_dp = xv * (psi_pxq - digamma(pxv) + np.log(xv))
    xr = xv[xi]
    px = p * xr
    total = gamma + m * xr
    log_total = np.log(total)
    value = (
        level_value[xi] - gammaln(q) + q * np.log(gamma) + (px - 1) * log_m - (px + q) * log_total
    )
    grad = np.empty((3, xi.size))
    grad[0] = level_dp[xi] + xr * (log_m - log_total)
    grad[1] = psi_pxq[xi] - digamma(q) + np.log(gamma) - log_total
    grad[2] = q / gamma - (px + q) / total
    return value, grad


def _validate_spend(
    frequency: npt.ArrayLike, monetary_value: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    """Check (frequency, mean repeat spend); spend must be positive wherever frequency > 0."""
    x = as_float_array("frequency", frequency)
    m = as_float_array("monetary_value", monetary_value)
    same_length(frequency=x, monetary_value=m)
    bad = np.flatnonzero((x < 0) | (x != np.floor(x)))
    if bad.size:
        row = int(bad[0])
        raise InvalidInputError(
            "frequency", f"must be a whole number >= 0, got {x[row]!r}", row=row
        )
    bad = np.flatnonzero((x > 0) & (m <= 0))
    if bad.size:
        row = int(bad[0])
        raise InvalidInputError(
            "monetary_value",
            f"must be > 0 for a customer with repeat purchases, got {m[row]!r}; the spend model "
            "describes positive purchase values (leave refunds and free orders out of the mean)",
            row=row,
        )
    return x, m


class GammaGammaModel(MleEstimator):
    """Gamma-Gamma estimator: fit on (frequency, monetary_value), predict expected spend.

    ``monetary_value`` is each customer's mean value of repeat purchases (the first purchase
    excluded), as built by :mod:`fairdesk.clv.summary`. Fitted attributes: ``params_`` (``p``,
    ``q``, ``gamma``), ``standard_errors_``, ``covariance_``, ``log_likelihood_``, ``n_iter_``,
    ``converged_``, ``n_customers_`` (repeat buyers used).
    """

    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    model_name: ClassVar[str] = "gamma_gamma"
    model_version: ClassVar[str] = "gamma_gamma-1"

    def fit(
        self,
        frequency: npt.ArrayLike,
        monetary_value: npt.ArrayLike,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit by maximum likelihood on the repeat buyers (rows with frequency > 0)."""
        x, m = _validate_spend(frequency, monetary_value)
        w = validate_weights(weights, x.size)
        keep = (x > 0) & (w > 0)
        if not keep.any():
            raise InvalidInputError(
                "frequency",
                "no customer has a repeat purchase; the spend model is fitted on the values of "
                "repeat purchases",
            )
        rows = compress_rows(x[keep], m[keep])
        ux, um = Levels.of(rows.columns[0]), rows.columns[1]
        log_um = np.log(um)
        start = np.array([1.0, 1.0, float(np.average(um, weights=rows.total(w[keep])))])
        result = maximize_likelihood(
            self.param_names,
            lambda theta: loglik_and_gradient(theta, ux, um, log_um)[0],
            lambda theta: loglik_and_gradient(theta, ux, um, log_um),
            rows.total(w[keep]),
            start,
            penalizer=self.penalizer,
            tol=self.tol,
            max_iter=self.max_iter,
        )
        self._store(result, float(w[keep].sum()))
        return self

    def expected_average_spend(
        self, frequency: npt.ArrayLike, monetary_value: npt.ArrayLike
    ) -> FloatArray:
        """E[spend per purchase | x, m] = p (gamma + m x) / (p x + q - 1) (FH 2013, eq. 6).

        For a customer with no repeat purchase (``monetary_value`` is then ignored) this is the
        population mean ``p gamma / (q - 1)``, which is infinite when q <= 1: that case raises an
        error instead of returning inf.
        """
        p, q, gamma = self._theta()
        x, m = _validate_spend(frequency, monetary_value)
        m = np.where(x > 0, m, 0.0)
        denominator = p * x + q - 1
        bad = np.flatnonzero(denominator <= 0)
        if bad.size:
            row = int(bad[0])
            raise InvalidInputError(
                "frequency",
                f"the fitted q = {q:.4g} <= 1 gives an infinite expected spend for customers with "
                f"frequency {x[row]:g}; fit on more repeat buyers or add a penalizer",
                row=row,
            )
        return np.asarray(p * (gamma + m * x) / denominator, dtype=np.float64)

    def population_mean_spend(self) -> float:
        """Mean spend per purchase across customers, ``p gamma / (q - 1)`` (inf if q <= 1)."""
        p, q, gamma = self._theta()
        return p * gamma / (q - 1) if q > 1 else float("inf")
