"""Pareto/NBD: the Schmittlein-Morrison-Colombo model of repeat purchasing.

While alive a customer buys at a Poisson rate ``lambda ~ Gamma(r, alpha)``; their lifetime is
exponential with rate ``mu ~ Gamma(s, beta)``. Unlike BG/NBD a customer may drop out at any time,
not only right after a purchase.

The likelihood follows Fader, Hardie & Lee (2005), "A Note on Implementing the Pareto/NBD Model
in MATLAB": ``L = G(r+x) alpha^r beta^s / G(r) * [1 / ((alpha+T)^(r+x) (beta+T)^s)
+ s / (r+s+x) * A0]`` where ``A0 = h(t_x) - h(T)`` and, with ``m = max(alpha, beta)``,
``h(y) = 2F1(r+s+x, b1; r+s+x+1; |alpha-beta| / (m+y)) / (m+y)^(r+s+x)``, ``b1 = s+1`` when
``alpha >= beta`` and ``b1 = r+x`` otherwise. The choice of case keeps the argument of the
hypergeometric function in [0, 1). Everything is then taken to log-space: Euler's
transformation ``2F1(a, b; a+1; z) = (1-z)^(1-b) 2F1(1, a+1-b; a+1; z)`` turns the series that
grows like ``(1-z)^(1-r-x)`` (which overflows for large ``x``) into an explicit power, computed as
a logarithm, times a tame series, and ``A0`` is formed as ``log h(t_x) + log(1 - exp(log h(T) -
log h(t_x)))``; where SciPy's function still fails, ``A0`` is integrated numerically. The
hypergeometric function has no closed-form derivative in its parameters, so
the fit uses central-difference gradients (on distinct rows, this is still fast).
"""

from __future__ import annotations

from typing import ClassVar, Self

import numpy as np
import numpy.typing as npt
from scipy.special import expit, gammaln, hyp2f1

from fairdesk.clv._base import MleEstimator
from fairdesk.clv._mle import maximize_likelihood
from fairdesk.clv._rows import compress_rows
from fairdesk.clv._validation import (
    as_horizons,
    finite_output,
    validate_rfm,
    validate_weights,
)
from fairdesk.clv.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
Theta = tuple[float, ...]


def _log_h(theta: Theta, x: FloatArray, y: FloatArray) -> FloatArray:
    """``log h(y)`` of the module docstring, Euler-transformed so that large ``x`` cannot
    overflow; NaN or inf where SciPy's 2F1 itself fails (the caller integrates instead)."""
    r, alpha, s, beta = theta
    rsx = r + s + x
    if alpha >= beta:
        big, small, power, b_euler = alpha, beta, np.full_like(x, -s), r + x
    else:
        big, small, power, b_euler = beta, alpha, 1 - r - x, np.full_like(x, s + 1)
    log_big = np.log(big + y)
    z = (big - small) / (big + y)
    with np.errstate(over="ignore", invalid="ignore"):
        log_series = np.log(hyp2f1(1.0, b_euler, rsx + 1, z))
    return np.asarray(
        power * (np.log(small + y) - log_big) + log_series - rsx * log_big, dtype=np.float64
    )


#: SciPy's 2F1 is slow (up to milliseconds a call) or overflows when its argument is near 1
#: and its parameters are large; such rows go straight to quadrature.
_Z_NEAR_ONE = 0.99
_LARGE_PARAMETER = 50.0


def _log_a0(theta: Theta, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """``log A0 = log(h(t_x) - h(T))``; -inf where t_x = T (the term vanishes).

    Rows where the hypergeometric function is out of SciPy's comfortable range are
    integrated numerically instead (see :func:`_log_a0_by_quadrature`).
    """
    r, alpha, s, beta = theta
    z_largest = abs(alpha - beta) / (max(alpha, beta) + t_x)
    hard = (z_largest > _Z_NEAR_ONE) & (r + s + x > _LARGE_PARAMETER)
    easy = np.flatnonzero(~hard)
    out = np.full_like(x, np.nan)
    log_h_tx = _log_h(theta, x[easy], t_x[easy])
    gap = _log_h(theta, x[easy], T[easy]) - log_h_tx
    # gap >= 0 only where t_x = T up to rounding; a non-finite gap means SciPy failed.
    out[easy] = np.where(np.isfinite(gap), -np.inf, np.nan)
    closing = gap < 0
    out[easy[closing]] = log_h_tx[closing] + np.log(-np.expm1(gap[closing]))
    redo = np.flatnonzero(np.isnan(out))
    if redo.size:
        out[redo] = _log_a0_by_quadrature(theta, x[redo], t_x[redo], T[redo])
    return out


_GAUSS_NODES, _GAUSS_WEIGHTS = np.polynomial.legendre.leggauss(16)
_PANELS = 64
_QUADRATURE_CHUNK = 1024


def _log_a0_by_quadrature(
    theta: Theta, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """``log A0`` from ``A0 = (r+s+x) * int_{t_x}^T (alpha+u)^-(r+x) (beta+u)^-(s+1) du``.

    The integrand is log-convex and decreasing, falling by about ``e`` over ``1/phi`` with
    ``phi = (r+x)/(alpha+t_x) + (s+1)/(beta+t_x)``, so 16-point Gauss-Legendre panels that
    start at that width and double (64 of them reach any T) integrate it to near machine
    precision, in log-space. Rows are processed in chunks to bound memory.
    """
    r, alpha, s, beta = theta
    out = np.empty_like(x)
    doubling = 2.0 ** np.arange(_PANELS + 1) - 1
    for lo in range(0, x.size, _QUADRATURE_CHUNK):
        part = slice(lo, lo + _QUADRATURE_CHUNK)
        xc, start, end = x[part, None, None], t_x[part, None], T[part, None]
        phi = (r + xc[:, :, 0]) / (alpha + start) + (s + 1) / (beta + start)
        first = np.minimum(end - start, 1 / phi)
        edges = np.minimum(start + first * doubling, end)
        half = (np.diff(edges, axis=1) / 2)[:, :, None]
        u = edges[:, :-1, None] + half * (1 + _GAUSS_NODES)
        with np.errstate(divide="ignore"):
            log_weight = np.log(half * _GAUSS_WEIGHTS)
        terms = (log_weight - (r + xc) * np.log(alpha + u) - (s + 1) * np.log(beta + u)).reshape(
            u.shape[0], -1
        )
        peak = terms.max(axis=1, keepdims=True)
        with np.errstate(invalid="ignore"):
            log_sum = peak[:, 0] + np.log(np.exp(terms - peak).sum(axis=1))
        # An interval too short to hold a node (T - t_x below ~1e-300) integrates to 0.
        out[part] = np.where((end[:, 0] > start[:, 0]) & np.isfinite(peak[:, 0]), log_sum, -np.inf)
    return np.asarray(out + np.log(r + s + x), dtype=np.float64)


def loglik(theta: FloatArray, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """Per-customer log-likelihood (FHL MATLAB note, eq. 3) in (r, alpha, s, beta)."""
    r, alpha, s, beta = (float(v) for v in theta)
    rx = r + x
    alive = -rx * np.log(alpha + T) - s * np.log(beta + T)
    died = np.log(s) - np.log(rx + s) + _log_a0((r, alpha, s, beta), x, t_x, T)
    base = gammaln(rx) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return np.asarray(base + np.logaddexp(alive, died), dtype=np.float64)


def _probability_alive(theta: Theta, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """``1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0)`` (FHL MATLAB note, eq. 5)."""
    r, alpha, s, beta = theta
    rx = r + x
    log_odds_dead = (
        np.log(s)
        - np.log(rx + s)
        + rx * np.log(alpha + T)
        + s * np.log(beta + T)
        + _log_a0(theta, x, t_x, T)
    )
    return np.asarray(expit(-log_odds_dead), dtype=np.float64)


def _expected_purchases(
    theta: Theta, t: float, x: FloatArray, t_x: FloatArray, T: FloatArray
) -> FloatArray:
    """``(r+x)(beta+T)/(alpha+T) * [1 - ((beta+T)/(beta+T+t))^(s-1)] / (s-1) * P(alive)``.

    The bracket over ``s - 1`` is computed as ``-expm1(-(s-1) u) / (s-1)`` with
    ``u = log(1 + t/(beta+T))``, whose limit at s = 1 is ``u``, so s near 1 loses no precision.
    """
    r, alpha, s, beta = theta
    u = np.log1p(t / (beta + T))
    lifetime = u if s == 1 else -np.expm1(-(s - 1) * u) / (s - 1)
    rate = (r + x) * (beta + T) / (alpha + T)
    return np.asarray(rate * lifetime * _probability_alive(theta, x, t_x, T), dtype=np.float64)


class ParetoNBDModel(MleEstimator):
    """Pareto/NBD estimator: fit on (frequency, recency, T), predict P(alive) and purchases.

    Fitted attributes: ``params_`` (``r``, ``alpha``, ``s``, ``beta``), ``standard_errors_``,
    ``covariance_``, ``log_likelihood_`` (total), ``n_iter_``, ``converged_``, ``n_customers_``.
    See :class:`~fairdesk.clv._base.MleEstimator` for the settings.
    """

    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    model_name: ClassVar[str] = "pareto_nbd"
    model_version: ClassVar[str] = "pareto_nbd-1"

    def fit(
        self,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
        weights: npt.ArrayLike | None = None,
    ) -> Self:
        """Fit by maximum likelihood on the distinct rows; ``weights`` counts customers per row."""
        x, t_x, age = validate_rfm(frequency, recency, T)
        w = validate_weights(weights, x.size)
        if not np.any((x > 0) & (w > 0)):
            raise InvalidInputError(
                "frequency",
                "no customer has a repeat purchase, so the purchase rate and the lifetime "
                "cannot be told apart; the model needs repeat buyers",
            )
        rows = compress_rows(x, t_x, age)
        ux, utx, uT = rows.columns
        scale = max(float(uT.max()) / 10, 1e-3)
        result = maximize_likelihood(
            self.param_names,
            lambda theta: loglik(theta, ux, utx, uT),
            None,
            rows.total(w),
            np.array([1.0, scale, 1.0, scale]),
            penalizer=self.penalizer,
            tol=self.tol,
            max_iter=self.max_iter,
        )
        self._store(result, float(w.sum()))
        return self

    def probability_alive(
        self, frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
    ) -> FloatArray:
        """P(still a customer at T | x, t_x, T)."""
        theta = self._theta()
        rows = compress_rows(*validate_rfm(frequency, recency, T))
        alive = _probability_alive(theta, *rows.columns)
        return rows.expand(finite_output("probability_alive", alive))

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
