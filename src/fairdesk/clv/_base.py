"""What the three CLV estimators share: configuration, fitted attributes and persistence.

Following the scikit-learn convention, configuration is set in ``__init__`` and everything
learnt from data ends in ``_`` and exists only after ``fit``. A fitted estimator holds
parameters and their uncertainty, never the customers it was fitted on, so :meth:`to_dict` can
be stored next to the scores it produced and reloaded with :meth:`from_dict` to score again.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

import numpy as np
import numpy.typing as npt

from fairdesk.clv._mle import MleResult
from fairdesk.clv.errors import InvalidInputError, NotFittedError

FloatArray = npt.NDArray[np.float64]


class MleEstimator:
    """Base of the maximum-likelihood CLV estimators.

    Parameters
    ----------
    penalizer:
        Coefficient of an L2 penalty ``penalizer * sum(params**2)`` added to the mean negative
        log-likelihood (the convention of the ``lifetimes`` package). Zero gives the plain
        maximum-likelihood estimate; a small value (0.001-0.1) keeps parameters finite on data
        that barely identify them.
    tol:
        Relative tolerance on the objective and on the projected gradient for L-BFGS-B.
    max_iter:
        Iteration limit; reaching it raises :class:`~fairdesk.clv.errors.ConvergenceError`.
    """

    param_names: ClassVar[tuple[str, ...]]
    model_name: ClassVar[str]
    #: Changes whenever a formula or the meaning of a parameter changes; stored with every score.
    model_version: ClassVar[str]

    params_: dict[str, float]
    standard_errors_: dict[str, float]
    covariance_: FloatArray
    log_likelihood_: float
    n_iter_: int
    converged_: bool
    n_customers_: float

    def __init__(self, *, penalizer: float = 0.0, tol: float = 1e-10, max_iter: int = 1000) -> None:
        if not np.isfinite(penalizer) or penalizer < 0:
            raise InvalidInputError("penalizer", f"must be a finite number >= 0, got {penalizer!r}")
        if not np.isfinite(tol) or tol <= 0:
            raise InvalidInputError("tol", f"must be a positive number, got {tol!r}")
        if int(max_iter) != max_iter or max_iter < 1:
            raise InvalidInputError("max_iter", f"must be a positive integer, got {max_iter!r}")
        self.penalizer = float(penalizer)
        self.tol = float(tol)
        self.max_iter = int(max_iter)

    def __repr__(self) -> str:
        fitted = getattr(self, "params_", None)
        shown = (
            "" if fitted is None else ", " + ", ".join(f"{k}={v:.4g}" for k, v in fitted.items())
        )
        return f"{type(self).__name__}(penalizer={self.penalizer}{shown})"

    def _store(self, result: MleResult, n_customers: float) -> None:
        self.params_ = dict(zip(self.param_names, map(float, result.params), strict=True))
        errors = np.sqrt(np.diag(result.covariance))
        self.standard_errors_ = dict(zip(self.param_names, map(float, errors), strict=True))
        self.covariance_ = result.covariance
        self.log_likelihood_ = result.log_likelihood
        self.n_iter_ = result.n_iter
        self.converged_ = True
        self.n_customers_ = n_customers

    def _theta(self) -> tuple[float, ...]:
        """The fitted parameters in ``param_names`` order, or a clear error before fitting."""
        params = getattr(self, "params_", None)
        if params is None:
            raise NotFittedError(
                f"{type(self).__name__} is not fitted; call fit() or from_dict() first"
            )
        return tuple(params[name] for name in self.param_names)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fitted state: configuration, parameters and their uncertainty."""
        self._theta()
        return {
            "model": self.model_name,
            "model_version": self.model_version,
            "config": {"penalizer": self.penalizer, "tol": self.tol, "max_iter": self.max_iter},
            "params": dict(self.params_),
            "standard_errors": dict(self.standard_errors_),
            "covariance": self.covariance_.tolist(),
            "log_likelihood": self.log_likelihood_,
            "n_iter": self.n_iter_,
            "converged": self.converged_,
            "n_customers": self.n_customers_,
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> Self:
        """Rebuild a fitted estimator from :meth:`to_dict` output of the same model version."""
        if state.get("model") != cls.model_name or state.get("model_version") != cls.model_version:
            raise InvalidInputError(
                "state",
                f"holds {state.get('model')!r} version {state.get('model_version')!r}; "
                f"{cls.__name__} reads {cls.model_name!r} version {cls.model_version!r}",
            )
        params = {name: float(state["params"][name]) for name in cls.param_names}
        if not all(np.isfinite(v) and v > 0 for v in params.values()):
            raise InvalidInputError("state", f"parameters must be positive and finite: {params}")
        estimator = cls(**state["config"])
        estimator.params_ = params
        estimator.standard_errors_ = {
            name: float(state["standard_errors"][name]) for name in cls.param_names
        }
        estimator.covariance_ = np.asarray(state["covariance"], dtype=np.float64)
        estimator.log_likelihood_ = float(state["log_likelihood"])
        estimator.n_iter_ = int(state["n_iter"])
        estimator.converged_ = bool(state["converged"])
        estimator.n_customers_ = float(state["n_customers"])
        return estimator
