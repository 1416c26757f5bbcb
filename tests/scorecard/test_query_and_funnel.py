"""Bad scorecard requests name their field; funnel arithmetic never divides by zero."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdesk.errors import ValidationFailed
from fairdesk.journeys.funnel import CohortCounts, funnel
from fairdesk.scorecard.painpoints import drop_off
from fairdesk.scorecard.query import parse

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("since", "until", "by", "field"),
    [
        ("2026-05-01", "2026-04-01", None, "since"),
        ("yesterday", None, None, "since"),
        (None, "2026-02-30", None, "until"),
        ("2026-01-01", None, "colour", "by"),
    ],
)
def test_bad_input_names_the_field(
    since: str | None, until: str | None, by: str | None, field: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse(since=since, until=until, by=by, today=TODAY)
    assert caught.value.field == field
    assert caught.value.status_code == 422


def test_defaults_are_the_last_26_weeks_by_segment() -> None:
    q = parse(since=None, until="", by=None, today=TODAY)
    assert (q.since, q.until, q.by) == (date(2026, 5, 27), TODAY, "segment")
    assert q.first_week.weekday() == 0 and q.first_week <= q.since


def test_an_empty_cohort_has_no_rates() -> None:
    f = funnel(CohortCounts())
    assert f.empty and f.worst_step is None
    assert [s.conversion for s in f.steps] == [None, None, None]


@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000))
def test_funnel_steps_convert_and_drop_consistently(leads: int, paid: int, repeat: int) -> None:
    paid, repeat = min(paid, leads), min(repeat, paid, leads)
    f = funnel(CohortCounts(leads, paid, repeat))
    _lead, pay, rep = f.steps
    assert pay.dropped == leads - paid and rep.dropped == paid - repeat
    for step, before in ((pay, leads), (rep, paid)):
        if before == 0:
            assert step.conversion is None
        else:
            assert step.conversion is not None and 0 <= step.conversion <= 1


def test_drop_off_points_to_the_segment_that_loses_more_than_its_share() -> None:
    cells = {
        ("segment", "loyal"): CohortCounts(100, 90, 70),
        ("segment", "bargain"): CohortCounts(100, 90, 20),
    }
    overall = CohortCounts(200, 180, 90)
    points = drop_off(overall, cells)
    assert [(p.value, p.what) for p in points] == [("bargain", "paid → repeat")]
    assert points[0].observed == 70 and points[0].expected == pytest.approx(45)
