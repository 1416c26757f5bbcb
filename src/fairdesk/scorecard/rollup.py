"""``fairdesk scorecard rebuild``: refill the rollup tables by SQL inside the database.

A full rebuild empties the tables and recomputes every week; ``since`` recomputes only the
weeks from that Monday on (tickets, answers and gestures are counted in the week they
happened, so older weeks cannot change), which is what a nightly job or the demo needs. The
cohort table is always recomputed whole: an old cohort's customers keep buying. The
distributions' running totals are summed here from the database's weekly counts, carrying on
from each cell's last total before ``since``. An ANALYZE at the end gives the planner fresh
statistics for the page's queries.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from fairdesk.db.base import UTCDateTime
from fairdesk.scorecard import rollup_sql as q
from fairdesk.scorecard.models import (
    FOREVER,
    ScorecardActivity,
    ScorecardBuild,
    ScorecardCohort,
    ScorecardComplaint,
    ScorecardDistribution,
)

WEEKLY = (ScorecardActivity, ScorecardDistribution, ScorecardComplaint)
EVERYTHING = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday before any data
# Per ticket, customer and invitation facts; ticket sums per cell and topic.
SCRATCH = ("sc_ticket", "sc_customer", "sc_answer", "sc_cell")


@dataclass(frozen=True)
class RebuildResult:
    since: date | None
    rows: int
    seconds: float

    def __str__(self) -> str:
        scope = f"weeks from {self.since}" if self.since else "all weeks"
        return f"{self.rows:,} rollup rows ({scope}) in {self.seconds:.1f} s"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def rebuild(session: Session, *, since: date | None = None) -> RebuildResult:
    """Recompute the rollups (from the week of ``since``, or all) and record the build."""
    started = time.perf_counter()
    dialect = q.Dialect(session.get_bind().dialect.name)
    first_week = monday(since) if since else None
    start = datetime.combine(first_week, dtime(), tzinfo=UTC) if first_week else EVERYTHING
    if dialect.pg:
        # The per-ticket window functions sort every message once; let them do it in memory.
        # JIT compiling these one-off statements costs seconds and saves nothing.
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        session.execute(text("SET LOCAL jit = off"))
    for table in WEEKLY:
        stmt = delete(table)
        if first_week is not None:
            stmt = stmt.where(table.week >= first_week)
        session.execute(stmt.execution_options(synchronize_session=False))
    session.execute(delete(ScorecardCohort).execution_options(synchronize_session=False))
    since_param = bindparam("since", start, type_=UTCDateTime())
    _drop_scratch(session)
    _run(session, q.ticket_facts(dialect, whole=first_week is None), since_param)
    _run(session, q.customer_facts(dialect), since_param)
    _run(session, q.answer_facts(dialect), since_param)
    if dialect.pg:
        session.execute(text("ANALYZE sc_ticket, sc_customer, sc_answer"))
    for sql in (
        q.ticket_cells(dialect),
        q.activity_insert(dialect),
        q.cohort_insert(dialect),
    ):
        _run(session, sql, since_param)
    _distributions(session, dialect, first_week)
    _complaints(session, dialect, first_week)
    _drop_scratch(session)
    _analyze(session, pg=dialect.pg)
    rows = sum(
        session.scalar(select(func.count()).select_from(table)) or 0
        for table in (*WEEKLY, ScorecardCohort)
    )
    seconds = time.perf_counter() - started
    session.add(ScorecardBuild(since=first_week, seconds=seconds, rows=rows))
    session.flush()
    return RebuildResult(first_week, rows, seconds)


def _run(session: Session, sql: str, since: BindParameter[datetime]) -> None:
    stmt = text(sql)
    session.execute(stmt.bindparams(since) if ":since" in sql else stmt)


Cell = tuple[str, str, str]  # dimension, value, metric
WeeklyCount = tuple[str, str, str, date | str, int, int]  # cell, week (SQLite: text), key, n


def _distributions(session: Session, dialect: q.Dialect, first_week: date | None) -> None:
    """Write each cell's running totals for the weeks rebuilt, in bulk."""
    totals: dict[Cell, dict[str, int]] = {}
    if first_week is not None:
        totals = {
            (r.dimension, r.value, r.metric): r.counts
            for r in session.scalars(totals_at(first_week - timedelta(days=1)))
        }
    weekly: Iterable[WeeklyCount] = session.execute(text(q.distribution_increments(dialect)))
    rows = list(running_totals(weekly, totals))
    if rows:
        session.execute(insert(ScorecardDistribution), rows)


Complaint = tuple[str, str, str, str]  # dimension, value, kind, key
WeeklyComplaint = tuple[str, str, str, str, date | str, int, int]  # complaint, week, n, angry


def _complaints(session: Session, dialect: q.Dialect, first_week: date | None) -> None:
    """Write each complaint's running totals for the weeks rebuilt, with their validity.

    The rows before ``first_week`` that were valid past it (their successors were just
    deleted) are reopened to ``FOREVER``, then closed at their cell's first new week.
    """
    t = ScorecardComplaint
    start: dict[Complaint, tuple[date, int, int]] = {}
    if first_week is not None:
        start = {
            (r.dimension, r.value, r.kind, r.key): (r.week, r.n, r.angry)
            for r in session.execute(complaints_at(first_week - timedelta(days=1)))
        }
        session.execute(
            update(t)
            .where(t.valid_until >= first_week)
            .values(valid_until=FOREVER)
            .execution_options(synchronize_session=False)
        )
    weekly: Iterable[WeeklyComplaint] = session.execute(text(q.complaint_increments(dialect)))
    cells: dict[Complaint, dict[date, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for dim, value, kind, key, wk, n, angry in weekly:
        week = wk if isinstance(wk, date) else date.fromisoformat(wk)
        sums = cells[(dim, value, kind, key)][week]
        sums[0] += int(n)
        sums[1] += int(angry or 0)
    rows: list[dict[str, object]] = []
    closed: list[dict[str, object]] = []
    for cell, weeks in cells.items():
        dim, value, kind, key = cell
        ordered = sorted(weeks)
        if cell in start:
            week, n, angry = start[cell]
            pk = {"dimension": dim, "value": value, "kind": kind, "key": key, "week": week}
            closed.append({**pk, "valid_until": ordered[0]})
        else:
            n = angry = 0
        for week, until in zip(ordered, [*ordered[1:], FOREVER], strict=True):
            n += weeks[week][0]
            angry += weeks[week][1]
            rows.append(
                {
                    "dimension": dim,
                    "value": value,
                    "kind": kind,
                    "key": key,
                    "week": week,
                    "valid_until": until,
                    "n": n,
                    "angry": angry,
                }
            )
    if closed:
        session.execute(update(t), closed)
    if rows:
        session.execute(insert(t), rows)


def complaints_at(through: date) -> Select[str, str, str, str, date, int, int]:
    """Every complaint's totals at ``through``: the rows whose validity holds that week.

    Plain columns, not entities: the page reads thousands and loading objects triples it.
    """
    t = ScorecardComplaint
    return select(t.dimension, t.value, t.kind, t.key, t.week, t.n, t.angry).where(
        t.week <= through, t.valid_until > through
    )


def totals_at(through: date, *where: ColumnElement[bool]) -> Select[ScorecardDistribution]:
    """Each cell's latest distribution row at or before ``through``: its totals by then.

    ``where`` narrows the cells (a dimension, a value); the newest week per cell is found
    on the primary key alone, then each row fetched by it.
    """
    t = ScorecardDistribution
    latest = (
        select(t.dimension, t.value, t.metric, func.max(t.week).label("week"))
        .where(t.week <= through, *where)
        .group_by(t.dimension, t.value, t.metric)
        .subquery()
    )
    return select(t).join(
        latest,
        and_(
            t.dimension == latest.c.dimension,
            t.value == latest.c.value,
            t.metric == latest.c.metric,
            t.week == latest.c.week,
        ),
    )


def running_totals(
    weekly: Iterable[WeeklyCount], start: dict[Cell, dict[str, int]]
) -> Iterator[dict[str, object]]:
    """Distribution rows from weekly counts (in any order), carrying on from ``start``.

    Grouped here rather than sorted in the database: ordering 775,000 weekly counts by text
    keys there costs more than a dictionary pass here.
    """
    cells: dict[Cell, dict[date, Counter[int]]] = defaultdict(lambda: defaultdict(Counter))
    for dim, value, metric, wk, key, n in weekly:
        week = wk if isinstance(wk, date) else date.fromisoformat(wk)
        cells[(dim, value, metric)][week][int(key)] += int(n)
    for cell, weeks in cells.items():
        total = Counter({int(k): n for k, n in start.get(cell, {}).items()})
        dim, value, metric = cell
        for week in sorted(weeks):
            total.update(weeks[week])
            counts = {str(k): total[k] for k in sorted(total)}
            yield {
                "dimension": dim,
                "value": value,
                "metric": metric,
                "week": week,
                "counts": counts,
            }


def _drop_scratch(session: Session) -> None:
    for name in SCRATCH:
        session.execute(text(f"DROP TABLE IF EXISTS {name}"))


def _analyze(session: Session, *, pg: bool) -> None:
    tables = [t.__tablename__ for t in (*WEEKLY, ScorecardCohort)]
    if pg:
        session.execute(text(f"ANALYZE {', '.join(tables)}"))
    else:
        for name in tables:
            session.execute(text(f"ANALYZE {name}"))


def last_build(session: Session) -> ScorecardBuild | None:
    return session.scalar(select(ScorecardBuild).order_by(ScorecardBuild.id.desc()).limit(1))


def step(session: Session, now: datetime, say: Callable[[str], None]) -> str:
    """``fairdesk analyze`` step, last: the scorecard reads segments, personas and CLV."""
    say("scorecard rollups")
    return str(rebuild(session))
