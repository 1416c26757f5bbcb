"""CSAT, CES and NPS from score counts: a plain reference, and the survey module's own."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fairdesk.feedback.surveys import metrics
from fairdesk.scorecard import scores

csat_answers = st.lists(st.integers(1, 5), max_size=300)
ces_answers = st.lists(st.integers(1, 7), max_size=300)
nps_answers = st.lists(st.integers(0, 10), max_size=300)


def reference_nps(answers: list[int]) -> float | None:
    """Percent promoters (9-10) minus percent detractors (0-6), written the obvious way."""
    if not answers:
        return None
    promoters = len([a for a in answers if a in (9, 10)])
    detractors = len([a for a in answers if a in (0, 1, 2, 3, 4, 5, 6)])
    return promoters / len(answers) * 100 - detractors / len(answers) * 100


def reference_csat(answers: list[int]) -> float | None:
    """Percent of answers that are 4 ("satisfied") or 5 ("very satisfied")."""
    if not answers:
        return None
    return len([a for a in answers if a in (4, 5)]) / len(answers) * 100


def reference_ces(answers: list[int]) -> float | None:
    if not answers:
        return None
    return sum(answers) / len(answers)


@given(nps_answers)
def test_nps_matches_the_reference_and_the_survey_module(answers: list[int]) -> None:
    got = scores.nps(Counter(answers))
    expected = reference_nps(answers)
    if expected is None:
        assert got.value is None and got.low is None and got.n == 0
        return
    assert got.value == pytest.approx(expected, abs=1e-9)
    assert got == metrics.nps(answers)
    assert got.low is not None and got.high is not None
    assert -100 <= got.low <= got.high <= 100
    assert got.promoters + got.passives + got.detractors == len(answers)


@given(csat_answers)
def test_csat_matches_the_reference_and_the_survey_module(answers: list[int]) -> None:
    got = scores.csat(Counter(answers))
    expected = reference_csat(answers)
    if expected is None:
        assert got.value is None and got.n == 0
        return
    assert got.value == pytest.approx(expected, abs=1e-9)
    assert got == metrics.csat(answers)
    assert got.low is not None and got.high is not None and got.value is not None
    assert 0 <= got.low <= got.value <= got.high <= 100


@given(ces_answers)
def test_ces_matches_the_reference_and_the_survey_module(answers: list[int]) -> None:
    got = scores.ces(Counter(answers))
    expected = reference_ces(answers)
    if expected is None:
        assert got.mean is None and got.n == 0
        return
    assert got.mean == pytest.approx(expected, abs=1e-9)
    want = metrics.ces(answers)
    assert got.easy == want.easy and got.n == want.n
    for mine, theirs in ((got.mean, want.mean), (got.low, want.low), (got.high, want.high)):
        assert mine == pytest.approx(theirs, abs=1e-9)
