"""Funnel arithmetic on counts: conversion and drop-off between steps, and where they leak.

Pure functions over the cohort counts the scorecard rollup keeps (``leads``, ``paid``,
``repeat``, ``lapsed``, ``churned``); a step with nobody in it has no rate ("no data"), never
a division by zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from fairdesk.journeys.stages import FUNNEL, FunnelStep


@dataclass(frozen=True)
class CohortCounts:
    leads: int = 0
    paid: int = 0
    repeat: int = 0
    lapsed: int = 0
    churned: int = 0

    def __add__(self, other: CohortCounts) -> CohortCounts:
        return CohortCounts(
            self.leads + other.leads,
            self.paid + other.paid,
            self.repeat + other.repeat,
            self.lapsed + other.lapsed,
            self.churned + other.churned,
        )

    def count(self, step: FunnelStep) -> int:
        return {
            FunnelStep.LEAD: self.leads,
            FunnelStep.PAID: self.paid,
            FunnelStep.REPEAT: self.repeat,
        }[step]


@dataclass(frozen=True)
class FunnelStepRow:
    step: FunnelStep
    customers: int
    conversion: float | None  # share of the previous step that reached this one, 0..1
    dropped: int  # customers of the previous step who did not reach this one


@dataclass(frozen=True)
class Funnel:
    steps: list[FunnelStepRow]
    lapsed: int  # paid customers whose latest stage is lapsed
    churned: int

    @property
    def empty(self) -> bool:
        return self.steps[0].customers == 0

    @property
    def worst_step(self) -> FunnelStepRow | None:
        """The transition that loses the largest share: where customers drop off most."""
        rated = [s for s in self.steps[1:] if s.conversion is not None]
        return min(rated, key=lambda s: s.conversion or 0.0) if rated else None


def ratio(part: float, whole: float) -> float | None:
    """``part / whole``, or None when there is nothing to divide ("no data")."""
    return part / whole if whole else None


def funnel(counts: CohortCounts) -> Funnel:
    rows: list[FunnelStepRow] = []
    previous: int | None = None
    for step in FUNNEL:
        n = counts.count(step)
        if previous is None:
            rows.append(FunnelStepRow(step, n, None, 0))
        else:
            rows.append(FunnelStepRow(step, n, ratio(n, previous), max(previous - n, 0)))
        previous = n
    return Funnel(rows, counts.lapsed, counts.churned)
