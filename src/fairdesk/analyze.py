"""`fairdesk analyze`: recompute every analytic the business's data feeds, step by step.

Each step runs in its own unit of work, so a failing step leaves the earlier ones stored and
names itself in the error; later issues add their step (segments, personas, fairness signals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from fairdesk.clv import service as clv_service
from fairdesk.db.base import utcnow
from fairdesk.db.session import unit_of_work
from fairdesk.fairness import cases as fairness_cases
from fairdesk.feedback.themes import build as themes_build
from fairdesk.segments import analysis as segment_analysis

Say = Callable[[str], None]


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Session, datetime, Say], str]


def _clv(session: Session, now: datetime, say: Say) -> str:
    fit = clv_service.analyze(session, now=now, progress=say)
    params = fit.transaction_model["params"]
    return (
        f"{fit.n_customers:,} customers, {fit.n_repeat_buyers:,} repeat buyers; BG/NBD "
        + ", ".join(f"{k}={v:.3g}" for k, v in params.items())
    )


STEPS: list[Step] = [Step("lifetime value", _clv)]
STEPS.append(Step("segments and personas", segment_analysis.step))
STEPS.append(Step("fairness signals", fairness_cases.step))
STEPS.append(Step("themes", themes_build.step))

from fairdesk.scorecard import rollup as scorecard_rollup  # noqa: E402

STEPS.append(Step("scorecard", scorecard_rollup.step))


def run_all(
    engine: Engine, *, now: datetime | None = None, say: Say = lambda _m: None
) -> list[tuple[str, str]]:
    """Run every step; returns (step, outcome) pairs."""
    now = now or utcnow()
    results = []
    for step in STEPS:
        say(step.name)
        with unit_of_work(engine) as session:
            results.append((step.name, step.run(session, now, say)))
    return results
