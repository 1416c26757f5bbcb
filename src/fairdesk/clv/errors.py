"""Errors raised by the CLV estimators.

They are :class:`~fairdesk.errors.FairdeskError` subclasses, so the API and the web UI render
them like every other domain error, and also ``ValueError`` subclasses, so numerical code that
calls the estimators directly can catch them the way it catches NumPy/SciPy argument errors.
"""

from __future__ import annotations

from fairdesk.errors import FairdeskError


class ClvError(FairdeskError):
    """Base of every error raised by :mod:`fairdesk.clv`."""

    status_code = 422
    code = "clv_error"


class InvalidInputError(ClvError, ValueError):
    """An argument is unusable; names the argument and, when it applies, the first bad row.

    Raised before any computation so that bad data never turns into a silent NaN.
    """

    code = "clv_invalid_input"

    def __init__(self, argument: str, problem: str, *, row: int | None = None) -> None:
        where = argument if row is None else f"{argument}[{row}]"
        super().__init__(
            f"{where}: {problem}",
            field=argument,
            details=None if row is None else {"row": row},
        )
        self.argument = argument
        self.row = row


class ConvergenceError(ClvError, ValueError):
    """The maximum-likelihood fit did not reach a proper optimum.

    The usual causes are too little data (few repeat buyers) or data that cannot identify a
    parameter, which then runs off towards zero or infinity; a small ``penalizer`` keeps the
    parameters finite in that case.
    """

    code = "clv_not_converged"


class NotFittedError(ClvError, AttributeError):
    """A prediction was asked of an estimator that has not been fitted or loaded."""

    status_code = 409
    code = "clv_not_fitted"
