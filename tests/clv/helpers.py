"""Build fitted estimators from chosen parameters, without fitting, for property tests."""

from __future__ import annotations

from typing import TypeVar

from fairdesk.clv._base import MleEstimator

E = TypeVar("E", bound=MleEstimator)


def with_params(cls: type[E], **params: float) -> E:
    """An estimator of ``cls`` that predicts with ``params`` (state as stored by to_dict)."""
    k = len(cls.param_names)
    return cls.from_dict(
        {
            "model": cls.model_name,
            "model_version": cls.model_version,
            "config": {"penalizer": 0.0, "tol": 1e-10, "max_iter": 1000},
            "params": params,
            "standard_errors": dict.fromkeys(cls.param_names, 0.0),
            "covariance": [[0.0] * k for _ in range(k)],
            "log_likelihood": 0.0,
            "n_iter": 0,
            "converged": True,
            "n_customers": 1.0,
        }
    )
