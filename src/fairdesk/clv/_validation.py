"""Argument checks shared by the CLV estimators.

Every check names the argument and the first offending row, so that a bad summary coming out of
an import or a SQL aggregate is traced to its customer instead of turning into a NaN later.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fairdesk.clv.errors import ClvError, InvalidInputError

FloatArray = npt.NDArray[np.float64]


def as_float_array(name: str, values: npt.ArrayLike) -> FloatArray:
    """Convert ``values`` to a 1-D float64 array of finite numbers (a scalar becomes length 1)."""
    try:
        array = np.atleast_1d(np.asarray(values, dtype=np.float64))
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(name, f"must be numeric ({exc})") from exc
    if array.ndim != 1:
        raise InvalidInputError(name, f"must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise InvalidInputError(name, "is empty; at least one customer is needed")
    _require(name, np.isfinite(array), array, "must be a finite number (not NaN or infinite)")
    return array


def as_positive_float(name: str, value: float) -> float:
    """Check a scalar setting such as a horizon or a step length."""
    number = float(value)
    if not np.isfinite(number) or number <= 0:
        raise InvalidInputError(name, f"must be a positive finite number, got {value!r}")
    return number


def same_length(**arrays: FloatArray) -> int:
    """Return the common length of ``arrays`` or name the ones that differ."""
    lengths = {name: array.size for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} has {size}" for name, size in lengths.items())
        first = next(iter(lengths))
        raise InvalidInputError(first, f"arguments differ in length: {described}")
    return next(iter(lengths.values()))


def _require(name: str, ok: npt.NDArray[np.bool_], values: FloatArray, problem: str) -> None:
    bad = np.flatnonzero(~ok)
    if bad.size:
        row = int(bad[0])
        raise InvalidInputError(name, f"{problem}, got {values[row]!r}", row=row)


def validate_rfm(
    frequency: npt.ArrayLike, recency: npt.ArrayLike, T: npt.ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Check a (frequency, recency, T) summary as produced by :mod:`fairdesk.clv.summary`.

    ``frequency`` counts repeat purchases, so it is a whole number; ``recency`` is the age at the
    last purchase, so it lies in [0, T] and is 0 for a customer who never came back.
    """
    x = as_float_array("frequency", frequency)
    t_x = as_float_array("recency", recency)
    age = as_float_array("T", T)
    same_length(frequency=x, recency=t_x, T=age)
    _require("frequency", x >= 0, x, "must be non-negative")
    _require("frequency", x == np.floor(x), x, "must be a whole number of repeat purchases")
    _require("recency", t_x >= 0, t_x, "must be non-negative")
    _require("T", age >= 0, age, "must be non-negative")
    bad = np.flatnonzero(t_x > age)
    if bad.size:
        row = int(bad[0])
        raise InvalidInputError(
            "recency",
            f"{t_x[row]!r} is greater than T[{row}] = {age[row]!r}; "
            "the last purchase cannot come after the end of the period",
            row=row,
        )
    _require(
        "recency",
        (x > 0) | (t_x == 0),
        t_x,
        "must be 0 for a customer with no repeat purchase (frequency 0)",
    )
    return x, t_x, age


def validate_weights(weights: npt.ArrayLike | None, n: int) -> FloatArray:
    """Return per-row weights (customer counts); ``None`` means one customer per row."""
    if weights is None:
        return np.ones(n)
    w = as_float_array("weights", weights)
    if w.size != n:
        raise InvalidInputError("weights", f"has {w.size} rows, the summary has {n}")
    _require("weights", w >= 0, w, "must be non-negative")
    if not w.sum() > 0:
        raise InvalidInputError("weights", "all weights are zero; there is nothing to fit")
    return w


def finite_output(name: str, values: FloatArray) -> FloatArray:
    """Return ``values`` or, if a prediction could not be evaluated, say so instead of a NaN.

    The last axis of ``values`` runs over rows (customers or distinct summary rows).
    """
    bad = np.nonzero(~np.isfinite(values))[-1]
    if bad.size:
        raise ClvError(
            f"{name} could not be evaluated for row {int(bad[0])} with these parameters "
            "(special functions out of range); refit with a small penalizer",
            details={"row": int(bad[0])},
        )
    return values


def as_horizons(t: float | npt.ArrayLike) -> tuple[FloatArray, bool]:
    """Prediction horizons as a 1-D array of numbers >= 0, and whether ``t`` was a scalar."""
    horizons = as_float_array("t", t)
    _require("t", horizons >= 0, horizons, "must be >= 0")
    return horizons, np.ndim(t) == 0
