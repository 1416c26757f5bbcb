"""REST endpoints of the scorecard (/api/v1/scorecard): JSON, CSV per chart, and a rebuild."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from fairdesk.auth import service as auth_service
from fairdesk.auth.deps import ApiManager, ApiUser
from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.scorecard import export, rollup
from fairdesk.scorecard.query import parse
from fairdesk.scorecard.schemas import ScorecardOut
from fairdesk.scorecard.service import Scorecard, scorecard

router = APIRouter(prefix="/scorecard", tags=["scorecard"])

Since = Annotated[str | None, Query(description="First day, YYYY-MM-DD (whole weeks).")]
Until = Annotated[str | None, Query(description="Last day, YYYY-MM-DD; default today.")]
By = Annotated[
    str | None, Query(description="Breakdown: segment, persona, agent, channel or stage.")
]


def own_scope(user: StaffUser) -> int | None:
    """Managers see the business; an agent sees their own agent row and nothing else."""
    return None if Role(user.role).at_least(Role.MANAGER) else user.id


def load(
    session: DbSession, user: StaffUser, since: str | None, until: str | None, by: str | None
) -> Scorecard:
    query = parse(since=since, until=until, by=by, today=utcnow().date())
    return scorecard(session, query, agent_id=own_scope(user))


@router.get("", response_model=ScorecardOut)
def get_scorecard(
    session: DbSession, user: ApiUser, since: Since = None, until: Until = None, by: By = None
) -> ScorecardOut:
    """CSAT, CES, NPS, speed, effort, goodwill, retention and the funnel for whole weeks."""
    return export.to_out(load(session, user, since, until, by))


@router.get("/csv", response_class=Response)
def get_scorecard_csv(
    session: DbSession,
    user: ApiUser,
    table: Annotated[str, Query(description="weeks, rows, funnel or pain")] = "weeks",
    since: Since = None,
    until: Until = None,
    by: By = None,
) -> Response:
    """One chart's numbers as CSV (cells a spreadsheet would run as formulas are escaped)."""
    export.check_table(table)
    sc = load(session, user, since, until, by)
    return csv_response(sc, table)


def csv_response(sc: Scorecard, table: str) -> Response:
    return Response(
        export.to_csv(sc, table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{export.csv_filename(sc, table)}"'},
    )


@router.post("/rebuild")
def post_rebuild(
    session: DbSession,
    user: ApiManager,
    since: Annotated[date | None, Query(description="Recompute from this week on.")] = None,
) -> dict[str, object]:
    """Recompute the rollups (all weeks, or from ``since``); managers only, audited."""
    result = rollup.rebuild(session, since=since)
    auth_service.record(
        session,
        actor=user,
        action="scorecard.rebuild",
        entity_type="scorecard",
        details={"since": str(since) if since else None, "rows": result.rows},
    )
    return {"since": result.since, "rows": result.rows, "seconds": round(result.seconds, 3)}
