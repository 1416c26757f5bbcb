"""Transactions to per-customer summaries: conventions, units, holdout split, bad input."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from fairdesk.clv import (
    HoldoutSummary,
    InvalidInputError,
    calibration_holdout_from_arrays,
    summary_from_arrays,
    time_unit_days,
)


def test_cdnow_summary_matches_the_published_csv(
    cdnow: HoldoutSummary, published_summary: npt.NDArray[np.void]
) -> None:
    np.testing.assert_array_equal(cdnow.customer_id, published_summary["ID"])
    np.testing.assert_array_equal(cdnow.frequency, published_summary["frequency"])
    np.testing.assert_array_equal(np.round(cdnow.recency, 2), published_summary["recency"])
    np.testing.assert_array_equal(np.round(cdnow.T, 2), published_summary["T"])
    assert int((cdnow.frequency > 0).sum()) == 946
    assert cdnow.duration_holdout == 39.0


def test_cdnow_first_customer_by_hand(cdnow: HoldoutSummary) -> None:
    """Sample customer 1 bought on 1997-01-01, 01-18, 08-02 (calibration) and 12-12 (holdout)."""
    assert cdnow.frequency[0] == 2
    assert cdnow.recency[0] == pytest.approx(213 / 7)
    assert cdnow.T[0] == pytest.approx(272 / 7)
    assert cdnow.monetary_value[0] == pytest.approx((29.73 + 14.96) / 2)
    assert cdnow.frequency_holdout[0] == 1
    assert cdnow.monetary_value_holdout[0] == pytest.approx(26.48)


def test_same_day_purchases_merge_and_first_purchase_is_not_a_repeat() -> None:
    s = summary_from_arrays(
        ["b", "a", "a", "a", "a"],
        ["2024-01-03", "2024-01-01T09:00", "2024-01-01T17:30", "2024-01-05", "2024-01-05"],
        [7.0, 10.0, 5.0, 20.0, 2.0],
        observation_end="2024-01-11",
    )
    np.testing.assert_array_equal(s.customer_id, ["a", "b"])
    np.testing.assert_array_equal(s.frequency, [1, 0])
    np.testing.assert_allclose(s.recency, [4.0, 0.0])
    np.testing.assert_allclose(s.T, [10.0, 8.0])
    np.testing.assert_allclose(s.monetary_value, [22.0, 0.0])


@pytest.mark.parametrize(("unit", "days"), [("D", 1.0), ("W", 7.0), ("M", 30.4375), (14, 14.0)])
def test_time_units_divide_day_counts(unit: str | float, days: float) -> None:
    s = summary_from_arrays(
        [1, 1],
        ["2024-01-01", "2024-03-01"],
        [1.0, 2.0],
        observation_end="2024-04-01",
        time_unit=unit,
    )
    assert time_unit_days(unit) == days
    assert s.recency[0] == pytest.approx(60 / days)
    assert s.T[0] == pytest.approx(91 / days)


def test_later_transactions_are_ignored_and_holdout_starters_left_out() -> None:
    ids = np.array([1, 1, 1, 2, 3])
    days = np.array(["2024-01-01", "2024-01-10", "2024-03-01", "2024-02-15", "2024-06-01"])
    h = calibration_holdout_from_arrays(
        ids, days, np.ones(5), calibration_end="2024-01-31", observation_end="2024-03-31"
    )
    np.testing.assert_array_equal(h.customer_id, [1])  # 2 starts in the holdout, 3 after it
    assert (h.frequency[0], h.frequency_holdout[0], h.duration_holdout) == (1, 1, 60.0)


def test_large_integer_ids_are_factorised() -> None:
    s = summary_from_arrays(
        np.array([2**62, 5, 2**62]), ["2024-01-01", "2024-01-01", "2024-01-03"], [1.0, 1.0, 1.0]
    )
    np.testing.assert_array_equal(s.customer_id, [5, 2**62])
    np.testing.assert_array_equal(s.frequency, [0, 1])


@pytest.mark.parametrize(
    ("kwargs", "argument", "row"),
    [
        ({"amounts": [1.0, float("nan")]}, "amounts", 1),
        ({"timestamps": ["2024-01-01", None]}, "timestamps", 1),
        ({"timestamps": ["2024-01-01", "yesterday"]}, "timestamps", None),
        ({"customer_ids": [1, 2, 3]}, "customer_ids", None),
        ({"time_unit": "Y"}, "time_unit", None),
        ({"time_unit": 0}, "time_unit", None),
        ({"observation_end": "2023-01-01"}, "timestamps", None),
    ],
)
def test_bad_transactions_name_the_argument(
    kwargs: dict[str, object], argument: str, row: int | None
) -> None:
    args: dict[str, object] = {
        "customer_ids": [1, 2],
        "timestamps": ["2024-01-01", "2024-01-02"],
        "amounts": [1.0, 2.0],
    }
    args.update(kwargs)
    with pytest.raises(InvalidInputError) as caught:
        summary_from_arrays(**args)  # type: ignore[arg-type]
    assert caught.value.argument == argument
    assert caught.value.row == row


def test_calibration_end_must_leave_a_holdout() -> None:
    with pytest.raises(InvalidInputError, match="calibration_end"):
        calibration_holdout_from_arrays(
            [1], ["2024-01-01"], [1.0], calibration_end="2024-02-01", observation_end="2024-01-15"
        )


def test_a_million_transactions_summarise_exactly() -> None:
    """The vectorised path on a million rows (bench/bench_clv.py times ten million)."""
    rng = np.random.default_rng(0)
    n = 1_000_000
    ids = rng.integers(0, 100_000, n)
    day_numbers = rng.integers(0, 1000, n)
    days = np.datetime64("2020-01-01") + day_numbers.astype("timedelta64[D]")
    s = summary_from_arrays(ids, days, rng.gamma(2.0, 20.0, n), time_unit="W")
    purchase_days = np.unique(ids * 1000 + day_numbers).size
    assert s.customer_id.size == np.unique(ids).size
    assert int(s.frequency.sum()) + s.customer_id.size == purchase_days
