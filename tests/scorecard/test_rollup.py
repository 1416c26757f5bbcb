"""The rebuild itself: an analyze step, a build record, and ``since`` leaving old weeks alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.analyze import STEPS
from fairdesk.auth.models import StaffUser
from fairdesk.db.base import utcnow
from fairdesk.scorecard import rollup
from fairdesk.scorecard.models import ScorecardActivity, ScorecardBuild
from tests.scorecard.helpers import START, make_desk


def test_analyze_runs_the_rebuild_last_and_records_it(session: Session, agent: StaffUser) -> None:
    assert STEPS[-1].name == "scorecard"
    make_desk(session, [agent])
    said: list[str] = []
    outcome = STEPS[-1].run(session, utcnow(), said.append)
    assert "rollup rows (all weeks)" in outcome and said == ["scorecard rollups"]
    build = session.scalars(select(ScorecardBuild).order_by(ScorecardBuild.id.desc())).first()
    assert build is not None and build.since is None and build.rows > 0


def test_since_recomputes_only_later_weeks(session: Session, agent: StaffUser) -> None:
    make_desk(session, [agent])
    week = START.date()
    old = session.get(ScorecardActivity, (week, "all", "all"))
    assert old is not None and old.tickets == 6
    old.tickets = 99  # stands for a week the incremental rebuild must not touch
    session.flush()
    result = rollup.rebuild(session, since=week + timedelta(days=9))
    assert result.since == week + timedelta(days=7)
    session.expire_all()
    kept = session.get(ScorecardActivity, (week, "all", "all"))
    assert kept is not None and kept.tickets == 99
    rollup.rebuild(session)
    session.expire_all()
    again = session.get(ScorecardActivity, (week, "all", "all"))
    assert again is not None and again.tickets == 6
    assert session.scalar(select(func.count()).select_from(ScorecardBuild)) == 3
