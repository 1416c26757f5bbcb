"""The scorecard: rollup rows read back into figures per week and per breakdown value.

Nothing here touches the raw tickets or answers: each read is a GROUP BY over the rollup
tables for the weeks asked (``rollup.py`` keeps them), so a page costs the same for ten
thousand tickets as for a million. An agent's scorecard is their own agent row only.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.journeys.funnel import CohortCounts
from fairdesk.personas.card import display_name
from fairdesk.personas.models import Persona
from fairdesk.scorecard import painpoints
from fairdesk.scorecard.figures import ACTIVITY_FIELDS, CellSums, Figures, figures
from fairdesk.scorecard.models import (
    ScorecardActivity,
    ScorecardBuild,
    ScorecardCohort,
    ScorecardDistribution,
)
from fairdesk.scorecard.query import ScorecardQuery
from fairdesk.scorecard.rollup import complaints_at, last_build, totals_at
from fairdesk.segments.models import Segment

COHORT_DIMENSIONS = ("segment", "persona")
Table = type[ScorecardActivity] | type[ScorecardCohort]
DURATIONS = ("frt", "ttr")  # distribution metrics read as minute histograms; others are scores


@dataclass(frozen=True)
class Row:
    value: str
    label: str
    figures: Figures


@dataclass(frozen=True)
class Scorecard:
    query: ScorecardQuery
    scope: str  # "business" or "agent"
    overall: Figures
    weeks: list[tuple[date, Figures]]
    rows: list[Row]
    cohort_weeks: list[tuple[date, Figures]]
    pain_points: list[painpoints.PainPoint]
    top_complaints: list[tuple[str, str, int]]  # (kind, key, count)
    build: ScorecardBuild | None

    @property
    def empty(self) -> bool:
        return self.overall.tickets == 0 and self.overall.csat.n == 0 and not self.weeks

    @property
    def funnel_by_dimension(self) -> bool:
        return self.query.by in COHORT_DIMENSIONS


def _period(table: Table, q: ScorecardQuery) -> ColumnElement[bool]:
    return and_(table.week >= q.first_week, table.week <= q.until)


class _Reader:
    """Sums rollup rows into cells keyed by week (for one dimension value) or by value."""

    def __init__(self, session: Session, q: ScorecardQuery, agent_id: int | None) -> None:
        self.session = session
        self.q = q
        # The "whole business" cell, or an agent's own row.
        self.base = ("agent", str(agent_id)) if agent_id is not None else ("all", "all")
        self.by = "agent" if agent_id is not None else q.by
        self.only_value = str(agent_id) if agent_id is not None else None
        self.weekly: dict[Any, CellSums] = defaultdict(CellSums)  # by week
        self.values: dict[Any, CellSums] = defaultdict(CellSums)  # by dimension value
        self.cohorts: dict[Any, CellSums] = defaultdict(CellSums)  # by cohort week

    def _cond(self, table: Table, *, weekly: bool) -> ColumnElement[bool]:
        if weekly:
            dim, value = self.base
            return and_(_period(table, self.q), table.dimension == dim, table.value == value)
        cond = and_(_period(table, self.q), table.dimension == self.by)
        if self.only_value is not None:
            cond = and_(cond, table.value == self.only_value)
        return cond

    def _cells(self, weekly: bool) -> dict[Any, CellSums]:
        return self.weekly if weekly else self.values

    def read(self) -> None:
        for weekly in (True, False):
            self._activity(weekly)
        self._weekly_distributions()
        self._value_distributions()
        self._cohorts()

    def _activity(self, weekly: bool) -> None:
        t = ScorecardActivity
        key = t.week if weekly else t.value
        sums = [func.sum(getattr(t, f)).label(f) for f in ACTIVITY_FIELDS]
        cells = self._cells(weekly)
        for row in self.session.execute(
            select(key.label("key"), *sums).where(self._cond(t, weekly=weekly)).group_by(key)
        ).mappings():
            cells[row["key"]].activity.add(dict(row))

    def _weekly_distributions(self) -> None:
        """Each week's counts for the base cell: its running totals less the week before's."""
        t = ScorecardDistribution
        dim, value = self.base
        cell = (t.dimension == dim, t.value == value)
        before = self.q.first_week - timedelta(days=1)
        previous = {r.metric: r.counts for r in self.session.scalars(totals_at(before, *cell))}
        rows = self.session.scalars(
            select(t)
            .where(*cell, t.week >= self.q.first_week, t.week <= self.q.until)
            .order_by(t.week)
        )
        for r in rows:
            _target(self.weekly[r.week], r.metric)[r.metric] += _less(
                r.counts, previous.get(r.metric, {})
            )
            previous[r.metric] = r.counts

    def _value_distributions(self) -> None:
        """Per breakdown value, the totals at the period's end less those before its start."""
        t = ScorecardDistribution
        cell = [t.dimension == self.by]
        if self.only_value is not None:
            cell.append(t.value == self.only_value)
        before = self.q.first_week - timedelta(days=1)
        start = {
            (r.value, r.metric): r.counts for r in self.session.scalars(totals_at(before, *cell))
        }
        for r in self.session.scalars(totals_at(self.q.until, *cell)):
            counts = _less(r.counts, start.get((r.value, r.metric), {}))
            _target(self.values[r.value], r.metric)[r.metric] += counts

    def _cohorts(self) -> None:
        if self.only_value is not None:
            return  # cohorts are per segment or persona, never per agent
        t = ScorecardCohort
        cols = [
            func.sum(c)
            for c in (
                t.leads,
                t.paid,
                t.repeat,
                t.lapsed,
                t.churned,
                t.valued,
                t.p_alive_sum,
                t.clv_sum,
            )
        ]
        plans: list[tuple[Any, ColumnElement[bool], bool]] = [
            (t.week, and_(_period(t, self.q), t.dimension == "all"), True)
        ]
        if self.by in COHORT_DIMENSIONS:
            plans.append((t.value, and_(_period(t, self.q), t.dimension == self.by), False))
        for key, cond, weekly in plans:
            result = self.session.execute(select(key, *cols).where(cond).group_by(key))
            for k, *raw in (tuple(r) for r in result):
                s: list[Any] = [x or 0 for x in raw]
                cell = (self.cohorts if weekly else self.values)[k]
                cell.cohort = cell.cohort + CohortCounts(*(int(x) for x in s[:5]))
                cell.valued += int(s[5])
                cell.p_alive_sum += float(s[6])
                cell.clv_sum += float(s[7])

    def total(self) -> CellSums:
        out = CellSums()
        for cell in self.weekly.values():
            out.activity.add(vars(cell.activity))
            for name, counts in cell.scores.items():
                out.scores[name].update(counts)
            for name, counts in cell.histograms.items():
                out.histograms[name].update(counts)
        for cell in self.cohorts.values():
            out.cohort = out.cohort + cell.cohort
            out.valued += cell.valued
            out.p_alive_sum += cell.p_alive_sum
            out.clv_sum += cell.clv_sum
        return out


def _less(total: dict[str, int], earlier: dict[str, int]) -> Counter[int]:
    """Running totals less earlier ones: what was counted in between, by key."""
    return Counter(
        {int(k): n - earlier.get(k, 0) for k, n in total.items() if n != earlier.get(k, 0)}
    )


def _target(cell: CellSums, metric: str) -> dict[str, Counter[int]]:
    return cell.histograms if metric in DURATIONS else cell.scores


def _labels(session: Session, by: str, values: list[str]) -> dict[str, str]:
    """Human names for stored values: segment names, persona names, agent names."""
    ids = [int(v) for v in values if v.isdigit()]
    if by == "segment":
        keys = {f"rfm:{v}": v for v in values}
        rows = session.execute(select(Segment.key, Segment.name).where(Segment.key.in_(keys)))
        return {keys[k]: name for k, name in rows}
    if by == "persona" and ids:
        personas = session.scalars(select(Persona).where(Persona.id.in_(ids))).all()
        return {str(p.id): display_name(p) for p in personas}
    if by == "agent" and ids:
        rows = session.execute(select(StaffUser.id, StaffUser.name).where(StaffUser.id.in_(ids)))
        return {str(i): name for i, name in rows}
    return {}


def _complaints(
    session: Session, q: ScorecardQuery
) -> tuple[list[painpoints.PainPoint], list[tuple[str, str, int]]]:
    """Each complaint's counts in the period: its totals at the end less those before it."""
    before = {
        (r.dimension, r.value, r.kind, r.key): r
        for r in session.execute(complaints_at(q.first_week - timedelta(days=1)))
    }
    counts: painpoints.ComplaintCounts = {}
    for r in session.execute(complaints_at(q.until)):
        cell = (r.dimension, r.value, r.kind, r.key)
        earlier = before.get(cell)
        # Reasons count every low-CSAT answer; topics count their angry tickets.
        if r.kind == "reason":
            count = r.n - (earlier.n if earlier else 0)
        else:
            count = r.angry - (earlier.angry if earlier else 0)
        if count:
            counts[cell] = count
    top = sorted(
        ((kind, key, c) for (dim, _v, kind, key), c in counts.items() if dim == "all"),
        key=lambda x: (-x[2], x[0], x[1]),  # ties by name, whatever order the rows came in
    )[: painpoints.TOP]
    return painpoints.complaints(counts), top


def _drop_offs(session: Session, q: ScorecardQuery) -> list[painpoints.PainPoint]:
    t = ScorecardCohort
    cols = [func.sum(c) for c in (t.leads, t.paid, t.repeat, t.lapsed, t.churned)]
    overall = CohortCounts()
    cells: dict[tuple[str, str], CohortCounts] = {}
    for dim, value, *s in session.execute(
        select(t.dimension, t.value, *cols).where(_period(t, q)).group_by(t.dimension, t.value)
    ):
        counts = CohortCounts(*(int(x or 0) for x in s))
        if dim == "all":
            overall = counts
        else:
            cells[(dim, value)] = counts
    return painpoints.drop_off(overall, cells)


def scorecard(session: Session, q: ScorecardQuery, *, agent_id: int | None = None) -> Scorecard:
    """The scorecard for ``q``; with ``agent_id``, that agent's own row and nothing else."""
    reader = _Reader(session, q, agent_id)
    reader.read()
    labels = _labels(session, reader.by, list(reader.values))
    rows = [
        Row(value, labels.get(value, value), figures(cell))
        for value, cell in sorted(reader.values.items(), key=lambda kv: -kv[1].activity.tickets)
    ]
    if agent_id is None:
        found, top = _complaints(session, q)
        points = painpoints.rank(found + _drop_offs(session, q))
    else:
        points, top = [], []
    return Scorecard(
        query=q,
        scope="agent" if agent_id is not None else "business",
        overall=figures(reader.total()),
        weeks=[(w, figures(c)) for w, c in sorted(reader.weekly.items())],
        rows=rows,
        cohort_weeks=[(w, figures(c)) for w, c in sorted(reader.cohorts.items())],
        pain_points=points,
        top_complaints=top,
        build=last_build(session),
    )
