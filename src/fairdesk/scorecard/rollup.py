"""``fairdesk scorecard rebuild``: refill the rollup tables by SQL inside the database.

A full rebuild empties the tables and recomputes every week; ``since`` recomputes only the
weeks from that Monday on (tickets, answers and gestures are counted in the week they
happened, so older weeks cannot change), which is what a nightly job or the demo needs. The
cohort table is always recomputed whole: an old cohort's customers keep buying. An ANALYZE at
the end gives the planner fresh statistics for the page's queries.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from sqlalchemy import BindParameter, bindparam, delete, func, select, text
from sqlalchemy.orm import Session

from fairdesk.db.base import UTCDateTime
from fairdesk.scorecard import rollup_sql as q
from fairdesk.scorecard.models import (
    ScorecardActivity,
    ScorecardBuild,
    ScorecardCohort,
    ScorecardComplaint,
    ScorecardHistogram,
    ScorecardScore,
)

WEEKLY = (ScorecardActivity, ScorecardScore, ScorecardHistogram, ScorecardComplaint)
EVERYTHING = datetime(1970, 1, 5, tzinfo=UTC)  # a Monday before any data


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
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    for table in WEEKLY:
        stmt = delete(table)
        if first_week is not None:
            stmt = stmt.where(table.week >= first_week)
        session.execute(stmt.execution_options(synchronize_session=False))
    session.execute(delete(ScorecardCohort).execution_options(synchronize_session=False))
    since_param = bindparam("since", start, type_=UTCDateTime())
    _drop_scratch(session)
    _run(session, q.ticket_facts(dialect), since_param)
    _run(session, q.customer_facts(dialect), since_param)
    if dialect.pg:
        session.execute(text("ANALYZE sc_ticket"))
        session.execute(text("ANALYZE sc_customer"))
    for sql in (
        q.activity_insert(dialect),
        q.score_insert(dialect),
        q.histogram_insert(dialect),
        q.complaint_insert(dialect),
    ):
        _run(session, sql, since_param)
    _run(session, q.cohort_insert(), since_param)
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


def _drop_scratch(session: Session) -> None:
    session.execute(text("DROP TABLE IF EXISTS sc_ticket"))
    session.execute(text("DROP TABLE IF EXISTS sc_customer"))


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
