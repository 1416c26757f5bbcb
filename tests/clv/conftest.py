"""CDNOW fixtures: the 1/10 sample as transaction arrays and the published weekly summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from fairdesk.clv import HoldoutSummary, calibration_holdout_from_arrays

DATA = Path(__file__).resolve().parents[1] / "data" / "cdnow"
CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"


def load_sample() -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.datetime64], npt.NDArray[np.float64]
]:
    """(sample customer id, purchase date, dollar value) for each of the 6,919 purchases."""
    raw = np.loadtxt(DATA / "CDNOW_sample.txt", dtype=str)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in raw[:, 2]], dtype="datetime64[D]")
    return raw[:, 1].astype(np.int64), dates, raw[:, 4].astype(np.float64)


@pytest.fixture(scope="session")
def cdnow_transactions() -> tuple[
    npt.NDArray[np.int64], npt.NDArray[np.datetime64], npt.NDArray[np.float64]
]:
    return load_sample()


@pytest.fixture(scope="session")
def cdnow(cdnow_transactions: tuple[npt.NDArray[np.int64], ...]) -> HoldoutSummary:
    """Weekly calibration summary (39 weeks) with the 39-week holdout."""
    ids, dates, amounts = cdnow_transactions
    return calibration_holdout_from_arrays(
        ids,
        dates,
        amounts,
        calibration_end=CALIBRATION_END,
        observation_end=OBSERVATION_END,
        time_unit="W",
    )


@pytest.fixture(scope="session")
def published_summary() -> npt.NDArray[np.void]:
    """``cdnow_customers_summary.csv``: ID, frequency, recency, T (weeks, 2 decimals)."""
    return np.genfromtxt(DATA / "cdnow_customers_summary.csv", delimiter=",", names=True)
