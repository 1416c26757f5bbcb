"""API shapes of the scorecard; built straight from the service's dataclasses."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RateOut(_Out):
    """A percentage with its 95 % interval; all None when there is no data."""

    successes: int
    n: int
    value: float | None
    low: float | None
    high: float | None


class CesOut(_Out):
    n: int
    mean: float | None
    low: float | None
    high: float | None
    easy: RateOut


class NpsOut(_Out):
    n: int
    promoters: int
    passives: int
    detractors: int
    value: float | None
    low: float | None
    high: float | None


class FunnelStepOut(_Out):
    step: str
    customers: int
    conversion: float | None
    dropped: int


class FunnelOut(_Out):
    steps: list[FunnelStepOut]
    lapsed: int
    churned: int


class FiguresOut(_Out):
    """Durations in minutes; rates as fractions 0..1 except CSAT/NPS/response (percent)."""

    tickets: int
    resolved: int
    contacts_per_resolved: float | None
    reopen_rate: float | None
    repeat_rate: float | None
    angry_rate: float | None
    frt_median: float | None
    frt_p90: float | None
    ttr_median: float | None
    ttr_p90: float | None
    wait_mean: float | None
    csat: RateOut
    ces: CesOut
    nps: NpsOut
    response_rate: RateOut
    gestures: int
    goodwill_at_once: RateOut
    funnel: FunnelOut
    repeat_buyers: float | None
    p_alive_mean: float | None
    clv_mean: float | None


class WeekOut(BaseModel):
    week: date
    figures: FiguresOut


class RowOut(_Out):
    value: str
    label: str
    figures: FiguresOut


class PainPointOut(_Out):
    kind: str
    what: str
    dimension: str
    value: str
    observed: int
    expected: float
    excess: float


class ComplaintOut(BaseModel):
    kind: str
    key: str
    count: int


class ScorecardOut(BaseModel):
    since: date
    until: date
    by: str
    scope: str
    no_data: bool
    built_at: datetime | None
    overall: FiguresOut
    weeks: list[WeekOut]
    rows: list[RowOut]
    cohorts: list[WeekOut]
    pain_points: list[PainPointOut]
    top_complaints: list[ComplaintOut]
