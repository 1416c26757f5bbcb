"""Maximum-likelihood fitting shared by the CLV estimators.

The optimiser works on log-parameters, so every parameter stays positive without constraints,
and on the weighted mean of the per-row log-likelihood, so its tolerances mean the same thing for
a hundred customers and for a million. Standard errors come from the inverse of the observed
information (the Hessian of the total negative log-likelihood in the natural parameters), taken
by central differences of the gradient.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import OptimizeResult, minimize
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from fairdesk.clv.errors import ConvergenceError

FloatArray = npt.NDArray[np.float64]

#: Per-row log-likelihood of natural parameters ``theta``.
RowLogLik = Callable[[FloatArray], FloatArray]
#: Per-row log-likelihood and its (n_params, n_rows) gradient in the natural parameters.
RowLogLikGrad = Callable[[FloatArray], tuple[FloatArray, FloatArray]]

#: Log-parameters are kept in [-LOG_BOUND, LOG_BOUND]; an optimum on that edge means the data
#: push a parameter towards 0 or infinity, which is reported rather than returned.
LOG_BOUND = 20.0
_NUMERIC_STEP = 1e-6
_HESSIAN_STEP = 1e-4
#: Found once (scanning loaded libraries takes milliseconds); limiting through it is cheap.
_THREADPOOLS = ThreadpoolController()
#: A standard error this many times its estimate means the parameter is not identified.
_MAX_RELATIVE_ERROR = 100.0
#: L-BFGS-B may stop with a failed line search at an optimum it cannot refine further in
#: floating point; a gradient this small (on the mean log-likelihood) counts as converged.
_STATIONARY_GRADIENT = 1e-6


@dataclass(frozen=True)
class MleResult:
    """Outcome of a successful fit, in natural parameters."""

    params: FloatArray
    log_likelihood: float
    covariance: FloatArray
    n_iter: int


def _numeric_gradient(loglik: RowLogLik) -> RowLogLikGrad:
    """Central-difference gradient per row, for likelihoods without a closed-form derivative."""

    def with_gradient(theta: FloatArray) -> tuple[FloatArray, FloatArray]:
        value = loglik(theta)
        grad = np.empty((theta.size, value.size))
        for k in range(theta.size):
            step = _NUMERIC_STEP * theta[k]
            up, down = theta.copy(), theta.copy()
            up[k] += step
            down[k] -= step
            grad[k] = (loglik(up) - loglik(down)) / (2 * step)
        return value, grad

    return with_gradient


def maximize_likelihood(
    names: tuple[str, ...],
    loglik: RowLogLik,
    gradient: RowLogLikGrad | None,
    weights: FloatArray,
    start: FloatArray,
    *,
    penalizer: float,
    tol: float,
    max_iter: int,
) -> MleResult:
    """Maximise ``sum(weights * loglik(theta)) - n * penalizer * sum(theta**2)``.

    ``gradient`` is the analytic per-row gradient when the model has one; otherwise central
    differences are used. Raises :class:`ConvergenceError` when the optimiser stops away from an
    optimum, when a parameter runs to the edge of the search box, when the information matrix
    is singular, or when a standard error dwarfs its estimate (the likelihood still rising
    towards an infinite parameter), because parameters from such a fit would look valid and be
    meaningless.
    """
    value_and_grad = gradient if gradient is not None else _numeric_gradient(loglik)
    n = float(weights.sum())

    def objective(log_theta: FloatArray) -> tuple[float, FloatArray]:
        theta = np.exp(log_theta)
        ll, grad = value_and_grad(theta)
        value = -float(weights @ ll) / n + penalizer * float(theta @ theta)
        grad_theta = -(grad @ weights) / n + 2 * penalizer * theta
        if not np.isfinite(value) or not np.all(np.isfinite(grad_theta)):
            # Tell the line search to step back instead of letting a NaN through.
            return float(np.finfo(np.float64).max), np.zeros_like(theta)
        return value, grad_theta * theta

    # L-BFGS-B calls BLAS on vectors of length 3 or 4; a multi-threaded OpenBLAS spends
    # milliseconds per call waking its threads (much more on a busy machine), so pin it to one.
    with _THREADPOOLS.limit(limits=1, user_api="blas"):
        result = minimize(
            objective,
            np.log(start),
            jac=True,
            method="L-BFGS-B",
            bounds=[(-LOG_BOUND, LOG_BOUND)] * len(names),
            options={"maxiter": max_iter, "ftol": tol, "gtol": tol},
        )
    log_theta = np.asarray(result.x, dtype=np.float64)
    _check_stopped_at_optimum(result, objective(log_theta)[1], tol, max_iter)
    at_edge = np.flatnonzero(np.abs(log_theta) > LOG_BOUND - 1e-3)
    if at_edge.size:
        name = names[int(at_edge[0])]
        raise ConvergenceError(
            f"parameter {name} ran to {np.exp(log_theta[at_edge[0]]):.3g}: the data cannot "
            "identify it (too few customers or repeat purchases); a small penalizer keeps it finite"
        )
    theta = np.exp(log_theta)
    ll, _ = value_and_grad(theta)
    hessian = _hessian(value_and_grad, weights, theta, penalizer)
    try:
        np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError as exc:
        raise ConvergenceError(
            "the information matrix is not positive definite at the optimum, so the parameters "
            f"{', '.join(names)} are not identified by these data; add data or a small penalizer"
        ) from exc
    covariance = np.asarray(np.linalg.inv(hessian), dtype=np.float64)
    relative_error = np.sqrt(np.abs(np.diag(covariance))) / theta
    vague = np.flatnonzero(relative_error > _MAX_RELATIVE_ERROR)
    if vague.size:
        k = int(vague[0])
        raise ConvergenceError(
            f"parameter {names[k]} = {theta[k]:.3g} has a standard error "
            f"{relative_error[k]:.3g} times its size: the likelihood keeps rising towards a "
            "limit where the parameter is infinite (for example no variation between customers "
            "to describe), so no finite estimate exists; a small penalizer gives one"
        )
    return MleResult(
        params=theta,
        log_likelihood=float(weights @ ll),
        covariance=covariance,
        n_iter=int(result.nit),
    )


def _check_stopped_at_optimum(
    result: OptimizeResult, gradient: FloatArray, tol: float, max_iter: int
) -> None:
    if result.success:
        return
    if result.nit >= max_iter:
        raise ConvergenceError(
            f"the likelihood maximisation reached max_iter = {max_iter} iterations without "
            "converging; raise max_iter, or add a small penalizer (e.g. 0.001)"
        )
    if np.max(np.abs(gradient)) > max(_STATIONARY_GRADIENT, tol):
        raise ConvergenceError(
            f"the likelihood maximisation stopped after {result.nit} iterations away from an "
            f"optimum ({result.message}); try a small penalizer (e.g. 0.001) or more data"
        )


def _hessian(
    value_and_grad: RowLogLikGrad, weights: FloatArray, theta: FloatArray, penalizer: float
) -> FloatArray:
    """Hessian of the total penalised negative log-likelihood in the natural parameters."""
    n = float(weights.sum())

    def total_gradient(point: FloatArray) -> FloatArray:
        _, grad = value_and_grad(point)
        return -(grad @ weights) + 2 * n * penalizer * point

    hessian = np.empty((theta.size, theta.size))
    for k in range(theta.size):
        step = _HESSIAN_STEP * theta[k]
        up, down = theta.copy(), theta.copy()
        up[k] += step
        down[k] -= step
        hessian[:, k] = (total_gradient(up) - total_gradient(down)) / (2 * step)
    return (hessian + hessian.T) / 2
