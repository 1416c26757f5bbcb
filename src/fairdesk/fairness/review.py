"""Reading the review queue and the decisions log, for the pages and the API.

Cases are listed strongest first, then newest, so the clearest evidence is looked at first;
the decisions log lists every decision with its reason, who made it and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from fairdesk.errors import NotFound
from fairdesk.fairness.models import CaseStatus, DecisionKind, FairnessCase, FairnessDecision

MAX_DB_ID = 2**63 - 1


@dataclass(frozen=True)
class CasePage:
    rows: Sequence[FairnessCase]
    total: int


def list_cases(
    session: Session,
    *,
    status: CaseStatus | None = CaseStatus.OPEN,
    offset: int = 0,
    limit: int = 50,
) -> CasePage:
    """One page of cases, strongest first then newest (the queue's order)."""
    stmt = select(FairnessCase)
    count = select(func.count()).select_from(FairnessCase)
    if status is not None:
        stmt = stmt.where(FairnessCase.status == status)
        count = count.where(FairnessCase.status == status)
    rows = session.scalars(
        stmt.order_by(
            FairnessCase.score.desc(), FairnessCase.opened_at.desc(), FairnessCase.id.desc()
        )
        .offset(offset)
        .limit(limit)
    ).all()
    return CasePage(rows=rows, total=session.scalar(count) or 0)


def get_case(session: Session, case_id: int) -> FairnessCase:
    case = session.get(FairnessCase, case_id) if 0 < case_id <= MAX_DB_ID else None
    if case is None:
        raise NotFound(f"no fairness case {case_id}", field="case_id")
    return case


def decision_of(session: Session, *, case_id: int) -> FairnessDecision | None:
    return session.scalar(select(FairnessDecision).where(FairnessDecision.case_id == case_id))


@dataclass(frozen=True)
class DecisionFilter:
    kind: DecisionKind | None = None
    decided_by_id: int | None = None
    customer_id: int | None = None


def _filtered(stmt: Select[FairnessDecision], f: DecisionFilter) -> Select[FairnessDecision]:
    if f.kind is not None:
        stmt = stmt.where(FairnessDecision.kind == f.kind)
    if f.decided_by_id is not None:
        stmt = stmt.where(FairnessDecision.decided_by_id == f.decided_by_id)
    if f.customer_id is not None:
        stmt = stmt.where(FairnessDecision.customer_id == f.customer_id)
    return stmt


def list_decisions(
    session: Session, *, where: DecisionFilter, offset: int = 0, limit: int = 50
) -> tuple[Sequence[FairnessDecision], int]:
    """One page of the decisions log, newest first, and how many match in all."""
    rows = session.scalars(
        _filtered(select(FairnessDecision), where)
        .order_by(FairnessDecision.decided_at.desc(), FairnessDecision.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    total = session.scalar(
        _filtered(select(FairnessDecision), where).with_only_columns(func.count())
    )
    return rows, total or 0
