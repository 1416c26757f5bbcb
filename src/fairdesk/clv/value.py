"""Customer lifetime value: discounted expected future spend over a finite horizon.

For ``periods`` steps of ``period_length`` time units (e.g. 12 months) the value is

    CLV = spend * sum_{i=1..periods} (E[Y(i L)] - E[Y((i-1) L)]) / (1 + d)^i

where ``E[Y(t)]`` is a transaction model's expected number of repeat purchases in the next
``t`` time units given the customer's history, ``L`` the period length, ``d`` the discount rate
per period and ``spend`` the expected value per purchase (from
:class:`~fairdesk.clv.gamma_gamma.GammaGammaModel`). Purchases expected in a period are
discounted as if paid at its end. This is the step approach of the ``lifetimes`` package's
``customer_lifetime_value`` (which fixes a month at 4.345 weeks or 30 days); here the period is
explicit so the unit of the summary and the period agree. A finite horizon keeps the value
bounded even when a fitted model predicts that some customers never leave.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from fairdesk.clv._rows import compress_rows
from fairdesk.clv._validation import as_float_array, as_positive_float, same_length, validate_rfm
from fairdesk.clv.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]

#: A month in days (365.25 / 12); divide by the summary's time unit in days for
#: ``period_length`` (30.4375 / 7 = 4.348 weeks).
DAYS_PER_MONTH = 365.25 / 12


class TransactionModel(Protocol):
    """Anything that predicts repeat purchases, such as BG/NBD or Pareto/NBD."""

    def expected_purchases(
        self,
        t: float | npt.ArrayLike,
        frequency: npt.ArrayLike,
        recency: npt.ArrayLike,
        T: npt.ArrayLike,
    ) -> FloatArray:
        """Cumulative expected repeat purchases: one row per horizon when ``t`` is an array."""
        ...


def customer_lifetime_value(
    model: TransactionModel,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    expected_spend: npt.ArrayLike,
    *,
    period_length: float,
    periods: int = 12,
    discount_rate: float = 0.01,
) -> FloatArray:
    """Discounted expected spend of each customer over ``periods`` periods (see module doc).

    ``period_length`` is in the time unit of the summary the model was fitted on (for weeks and
    monthly periods, ``DAYS_PER_MONTH / 7``); ``discount_rate`` is per period (0.01 a month is
    about 12.7 % a year).
    """
    x, t_x, age = validate_rfm(frequency, recency, T)
    spend = as_float_array("expected_spend", expected_spend)
    same_length(frequency=x, expected_spend=spend)
    length = as_positive_float("period_length", period_length)
    if int(periods) != periods or periods < 1:
        raise InvalidInputError("periods", f"must be a positive whole number, got {periods!r}")
    if not np.isfinite(discount_rate) or discount_rate < 0:
        raise InvalidInputError("discount_rate", f"must be >= 0, got {discount_rate!r}")

    rows = compress_rows(x, t_x, age)
    steps = np.arange(1, int(periods) + 1)
    cumulative = model.expected_purchases(steps * length, *rows.columns)
    per_period = np.diff(cumulative, axis=0, prepend=0.0)
    discounted = (1 + discount_rate) ** -steps.astype(np.float64) @ per_period
    return np.asarray(rows.expand(discounted) * spend, dtype=np.float64)
