"""Per-customer (frequency, recency, T, monetary value) summaries from raw transactions.

The conventions are those of the customer-base literature (and of ``lifetimes``), which the
published CDNOW parameters depend on:

* purchases on the same calendar day are one transaction (their amounts are summed), so
  ``frequency`` is the number of distinct purchase days minus one - repeat purchases only;
* ``recency`` is the time from the first to the last purchase day and ``T`` the time from the
  first purchase day to the end of the period, in days divided by the time unit; counting days
  rather than calendar weeks or months matters (bucketing by week merges purchases a few days
  apart and visibly changes the fitted parameters);
* ``monetary_value`` is the mean value of the repeat transactions, the first excluded, and 0
  for customers without one.

The work is a single sort of a combined (customer, day) integer key, then segment reductions,
so ten million transactions take a few seconds in NumPy.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from fairdesk.clv._rows import sorted_with_order
from fairdesk.clv._validation import as_float_array, same_length
from fairdesk.clv.errors import InvalidInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DateLike = str | dt.date | np.datetime64
TimeUnit = Literal["D", "W", "M"] | float

_UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}


def time_unit_days(time_unit: TimeUnit) -> float:
    """Length of ``time_unit`` in days: 'D' 1, 'W' 7, 'M' 30.4375 (a mean month), or a number.

    'M' is a fixed length, not a calendar month, so that ages stay proportional to days.
    """
    if isinstance(time_unit, str):
        if time_unit not in _UNIT_DAYS:
            raise InvalidInputError(
                "time_unit", f"must be 'D', 'W', 'M' or a number of days, got {time_unit!r}"
            )
        return _UNIT_DAYS[time_unit]
    days = float(time_unit)
    if not np.isfinite(days) or days <= 0:
        raise InvalidInputError(
            "time_unit", f"must be a positive number of days, got {time_unit!r}"
        )
    return days


@dataclass(frozen=True)
class RFMSummary:
    """One row per customer, in ascending ``customer_id`` order."""

    customer_id: npt.NDArray[Any]
    frequency: IntArray
    recency: FloatArray
    T: FloatArray
    monetary_value: FloatArray


@dataclass(frozen=True)
class HoldoutSummary(RFMSummary):
    """A calibration summary plus what each customer did in the holdout period after it.

    ``frequency_holdout`` counts purchase days in the holdout, ``monetary_value_holdout`` is
    their mean value (0 without one) and ``duration_holdout`` the holdout length in time units.
    """

    frequency_holdout: IntArray
    monetary_value_holdout: FloatArray
    duration_holdout: float


def _as_day(name: str, value: DateLike) -> int:
    try:
        day = np.asarray(value, dtype="datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(name, f"is not a date: {value!r}") from exc
    if np.isnat(day):
        raise InvalidInputError(name, "is missing (NaT)")
    return int(day.astype(np.int64))


def _as_days(timestamps: npt.ArrayLike) -> IntArray:
    """Calendar day numbers (days since 1970-01-01) of datetimes, dates or ISO strings."""
    try:
        days = np.atleast_1d(np.asarray(timestamps)).astype("datetime64[D]")
    except (TypeError, ValueError) as exc:
        raise InvalidInputError("timestamps", f"must be dates or datetimes ({exc})") from exc
    missing = np.flatnonzero(np.isnat(days))
    if missing.size:
        row = int(missing[0])
        raise InvalidInputError("timestamps", "is missing (NaT/None)", row=row)
    return days.astype(np.int64)


def _customer_codes(
    ids: npt.NDArray[Any], span: int
) -> tuple[IntArray, Callable[[IntArray], npt.NDArray[Any]]]:
    """Integer codes for customer ids such that ``code * span + day`` fits in int64, and the
    function that turns codes back into ids.

    Integer ids (the database case) are only shifted, which saves a sort of all transactions;
    other ids, and integers spread too widely, are factorised.
    """
    if ids.dtype.kind in "iu":
        low, high = int(ids.min()), int(ids.max())
        if (high - low + 1) * span < 2**62:
            return (ids - low).astype(np.int64), lambda codes: (codes + low).astype(ids.dtype)
    try:
        table, codes = np.unique(ids, return_inverse=True)
    except TypeError as exc:
        raise InvalidInputError("customer_ids", f"cannot be ordered ({exc})") from exc
    return codes.astype(np.int64).ravel(), lambda found: table[found]


@dataclass(frozen=True)
class _Days:
    """Distinct purchase days sorted by customer then day; ``starts`` and ``counts`` delimit
    each customer's run of days, and ``customer`` is the id of each run."""

    customer: npt.NDArray[Any]
    day: IntArray
    amount: FloatArray
    starts: npt.NDArray[np.intp]
    counts: IntArray


def _distinct_days(
    customer_ids: npt.ArrayLike, days: IntArray, amounts: npt.ArrayLike, last_day: int
) -> _Days:
    ids = np.atleast_1d(np.asarray(customer_ids))
    if ids.ndim != 1:
        raise InvalidInputError("customer_ids", f"must be one-dimensional, got shape {ids.shape}")
    values = as_float_array("amounts", amounts)
    same_length(customer_ids=np.zeros(ids.size), timestamps=np.zeros(days.size), amounts=values)
    keep = days <= last_day
    if not keep.any():
        raise InvalidInputError("timestamps", "no transaction falls on or before the period end")
    if not keep.all():
        ids, days, values = ids[keep], days[keep], values[keep]
    first_day = int(days.min())
    span = int(days.max()) - first_day + 1
    codes, decode = _customer_codes(ids, span)
    keys, order = sorted_with_order(codes * span + (days - first_day))
    new_key = np.ones(keys.size, dtype=bool)
    new_key[1:] = keys[1:] != keys[:-1]
    key_starts = np.flatnonzero(new_key)
    distinct = keys[key_starts]
    amount = np.add.reduceat(values[order], key_starts)
    customer = distinct // span
    new_customer = np.ones(distinct.size, dtype=bool)
    new_customer[1:] = customer[1:] != customer[:-1]
    starts = np.flatnonzero(new_customer)
    return _Days(
        customer=decode(customer[starts]),
        day=distinct % span + first_day,
        amount=amount,
        starts=starts,
        counts=np.diff(np.append(starts, distinct.size)),
    )


def _split(d: _Days, calibration_end: int, unit: float) -> tuple[RFMSummary, IntArray, FloatArray]:
    """Calibration summary of the customers who started by ``calibration_end``, with their
    purchase-day counts and mean spend after it (the holdout)."""
    first = d.day[d.starts]
    cohort = first <= calibration_end
    in_calibration = d.day <= calibration_end
    n_cal = np.add.reduceat(in_calibration.astype(np.int64), d.starts)
    spend_cal = np.add.reduceat(np.where(in_calibration, d.amount, 0.0), d.starts)
    spend_hold = np.add.reduceat(np.where(in_calibration, 0.0, d.amount), d.starts)
    last = d.day[d.starts + np.maximum(n_cal, 1) - 1]
    frequency = n_cal - 1
    repeat_spend = spend_cal - d.amount[d.starts]
    monetary = np.where(frequency > 0, repeat_spend / np.maximum(frequency, 1), 0.0)
    n_hold = d.counts - n_cal
    monetary_hold = np.where(n_hold > 0, spend_hold / np.maximum(n_hold, 1), 0.0)
    summary = RFMSummary(
        customer_id=d.customer[cohort],
        frequency=frequency[cohort],
        recency=(last - first)[cohort] / unit,
        T=(calibration_end - first[cohort]) / unit,
        monetary_value=monetary[cohort],
    )
    return summary, n_hold[cohort], monetary_hold[cohort]


def summary_from_arrays(
    customer_ids: npt.ArrayLike,
    timestamps: npt.ArrayLike,
    amounts: npt.ArrayLike,
    *,
    observation_end: DateLike | None = None,
    time_unit: TimeUnit = "D",
) -> RFMSummary:
    """Summarise transactions up to and including ``observation_end`` (default: the last one).

    ``customer_ids`` may be integers or strings, ``timestamps`` datetimes, dates or ISO date
    strings (naive, in the business's own time zone: the calendar day is what counts), and
    ``amounts`` the value of each transaction. Later transactions are ignored.
    """
    unit = time_unit_days(time_unit)
    days = _as_days(timestamps)
    end = _end_day(days, observation_end)
    summary, _, _ = _split(_distinct_days(customer_ids, days, amounts, end), end, unit)
    return summary


def calibration_holdout_from_arrays(
    customer_ids: npt.ArrayLike,
    timestamps: npt.ArrayLike,
    amounts: npt.ArrayLike,
    *,
    calibration_end: DateLike,
    observation_end: DateLike | None = None,
    time_unit: TimeUnit = "D",
) -> HoldoutSummary:
    """Split transactions at ``calibration_end`` (inclusive) into a calibration summary and the
    holdout period up to ``observation_end`` (inclusive; default: the last transaction).

    Only customers whose first purchase falls in the calibration period are summarised; those
    who start in the holdout are not part of the calibrated cohort.
    """
    unit = time_unit_days(time_unit)
    days = _as_days(timestamps)
    end = _end_day(days, observation_end)
    split = _as_day("calibration_end", calibration_end)
    if split >= end:
        raise InvalidInputError(
            "calibration_end", "must be before observation_end, or the holdout is empty"
        )
    summary, n_hold, monetary_hold = _split(
        _distinct_days(customer_ids, days, amounts, end), split, unit
    )
    if summary.customer_id.size == 0:
        raise InvalidInputError("calibration_end", "no customer made a purchase by this date")
    return HoldoutSummary(
        customer_id=summary.customer_id,
        frequency=summary.frequency,
        recency=summary.recency,
        T=summary.T,
        monetary_value=summary.monetary_value,
        frequency_holdout=n_hold,
        monetary_value_holdout=monetary_hold,
        duration_holdout=(end - split) / unit,
    )


def _end_day(days: IntArray, observation_end: DateLike | None) -> int:
    if observation_end is None:
        return int(days.max())
    return _as_day("observation_end", observation_end)
