"""One cell of the scorecard (a week, a segment, an agent …) from its rollup sums.

Every rate is ``None`` when its denominator is zero, and the page and CSV print "no data" for
it: an empty period or a segment without answers never divides by zero.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields

from fairdesk.feedback.surveys.metrics import CesResult, NpsResult, Proportion, proportion
from fairdesk.journeys.funnel import CohortCounts, Funnel, funnel, ratio
from fairdesk.scorecard import scores
from fairdesk.scorecard.buckets import quantile


@dataclass
class ActivitySums:
    """Column for column, the additive part of ``ScorecardActivity``."""

    tickets: int = 0
    resolved: int = 0
    contacts: int = 0
    reopened: int = 0
    repeat_contacts: int = 0
    angry: int = 0
    frt_n: int = 0
    frt_sum: float = 0.0
    ttr_n: int = 0
    ttr_sum: float = 0.0
    wait_n: int = 0
    wait_sum: float = 0.0
    invitations: int = 0
    answers: int = 0
    gestures: int = 0
    gestures_at_once: int = 0

    def add(self, values: dict[str, float]) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + (values.get(f.name) or 0))


ACTIVITY_FIELDS = tuple(f.name for f in fields(ActivitySums))


@dataclass
class CellSums:
    activity: ActivitySums = field(default_factory=ActivitySums)
    scores: dict[str, Counter[int]] = field(
        default_factory=lambda: {"csat": Counter(), "ces": Counter(), "nps": Counter()}
    )
    histograms: dict[str, Counter[int]] = field(
        default_factory=lambda: {"frt": Counter(), "ttr": Counter()}
    )
    cohort: CohortCounts = field(default_factory=CohortCounts)
    valued: int = 0
    p_alive_sum: float = 0.0
    clv_sum: float = 0.0


@dataclass(frozen=True)
class Figures:
    tickets: int
    resolved: int
    contacts_per_resolved: float | None
    reopen_rate: float | None  # share of resolved tickets the customer had to reopen
    repeat_rate: float | None  # share of tickets repeating a same-topic ticket within 14 days
    angry_rate: float | None
    frt_median: float | None  # minutes
    frt_p90: float | None
    ttr_median: float | None
    ttr_p90: float | None
    wait_mean: float | None  # minutes a resolved ticket's customer waited on the business
    csat: Proportion
    ces: CesResult
    nps: NpsResult
    response_rate: Proportion
    gestures: int
    goodwill_at_once: Proportion
    funnel: Funnel
    repeat_buyers: float | None  # repeat / paid
    p_alive_mean: float | None
    clv_mean: float | None


def figures(cell: CellSums) -> Figures:
    a = cell.activity
    return Figures(
        tickets=a.tickets,
        resolved=a.resolved,
        contacts_per_resolved=ratio(a.contacts, a.resolved),
        reopen_rate=ratio(a.reopened, a.resolved),
        repeat_rate=ratio(a.repeat_contacts, a.tickets),
        angry_rate=ratio(a.angry, a.tickets),
        frt_median=quantile(cell.histograms["frt"], 0.5),
        frt_p90=quantile(cell.histograms["frt"], 0.9),
        ttr_median=quantile(cell.histograms["ttr"], 0.5),
        ttr_p90=quantile(cell.histograms["ttr"], 0.9),
        wait_mean=ratio(a.wait_sum, a.wait_n),
        csat=scores.csat(cell.scores["csat"]),
        ces=scores.ces(cell.scores["ces"]),
        nps=scores.nps(cell.scores["nps"]),
        response_rate=proportion(a.answers, a.invitations),
        gestures=a.gestures,
        goodwill_at_once=proportion(a.gestures_at_once, a.gestures),
        funnel=funnel(cell.cohort),
        repeat_buyers=ratio(cell.cohort.repeat, cell.cohort.paid),
        p_alive_mean=ratio(cell.p_alive_sum, cell.valued),
        clv_mean=ratio(cell.clv_sum, cell.valued),
    )
