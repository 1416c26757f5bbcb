"""Customer lifetime value: who is still a customer, how much they will buy, what they are worth.

Pure NumPy/SciPy estimators in the scikit-learn style (configure, ``fit`` on arrays, predict
arrays), meant to run on compact per-customer summaries:

* :func:`summary_from_arrays` / :func:`calibration_holdout_from_arrays` turn transactions into
  (frequency, recency, T, monetary value) per customer;
* :class:`BetaGeoModel` (BG/NBD) and :class:`ParetoNBDModel` predict P(alive) and expected
  repeat purchases;
* :class:`GammaGammaModel` predicts expected spend per purchase;
* :func:`customer_lifetime_value` combines them into discounted expected spend over a horizon.
"""

from fairdesk.clv.bgnbd import BetaGeoModel
from fairdesk.clv.errors import ClvError, ConvergenceError, InvalidInputError, NotFittedError
from fairdesk.clv.gamma_gamma import GammaGammaModel
from fairdesk.clv.pareto_nbd import ParetoNBDModel
from fairdesk.clv.summary import (
    HoldoutSummary,
    RFMSummary,
    calibration_holdout_from_arrays,
    summary_from_arrays,
    time_unit_days,
)
from fairdesk.clv.value import DAYS_PER_MONTH, TransactionModel, customer_lifetime_value

__all__ = [
    "DAYS_PER_MONTH",
    "BetaGeoModel",
    "ClvError",
    "ConvergenceError",
    "GammaGammaModel",
    "HoldoutSummary",
    "InvalidInputError",
    "NotFittedError",
    "ParetoNBDModel",
    "RFMSummary",
    "TransactionModel",
    "calibration_holdout_from_arrays",
    "customer_lifetime_value",
    "summary_from_arrays",
    "time_unit_days",
]
