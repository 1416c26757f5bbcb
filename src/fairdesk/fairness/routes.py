"""REST endpoints for fairness cases, decisions and appeals (/api/v1/fairness, managers only).

A customer's appeal is submitted only through their signed portal link, never here.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from starlette import status

from fairdesk.auth.deps import ApiManager
from fairdesk.db.deps import DbSession
from fairdesk.fairness import appeals as appeal_service
from fairdesk.fairness import decisions as decision_service
from fairdesk.fairness import review
from fairdesk.fairness.models import AppealStatus, CaseStatus, DecisionKind
from fairdesk.fairness.schemas import (
    AppealDecisionIn,
    AppealOut,
    CaseList,
    CaseOut,
    DecisionList,
    DecisionOut,
    FairnessDecisionIn,
)

router = APIRouter(prefix="/fairness", tags=["fairness"])
MAX_DB_ID = 2**63 - 1
Id = Annotated[int, Path(gt=0, le=MAX_DB_ID)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]


@router.get("/cases", response_model=CaseList)
def list_cases(
    session: DbSession,
    user: ApiManager,
    status: CaseStatus | None = CaseStatus.OPEN,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    """The review queue: strongest evidence first, then newest."""
    found = review.list_cases(session, status=status, offset=offset, limit=limit)
    return {"items": found.rows, "total": found.total, "offset": offset, "limit": limit}


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: Id, session: DbSession, user: ApiManager) -> Any:
    return review.get_case(session, case_id)


@router.post(
    "/cases/{case_id}/decision", response_model=DecisionOut, status_code=status.HTTP_201_CREATED
)
def decide(case_id: Id, body: FairnessDecisionIn, session: DbSession, user: ApiManager) -> Any:
    """Dismiss, warn, restrict one policy or part ways; 409 when already decided."""
    return decision_service.decide(
        session,
        case_id=case_id,
        actor=user,
        data=decision_service.DecisionInput(
            customer_id=body.customer_id,
            kind=body.kind.value,
            reason=body.reason,
            restriction=body.restriction.value if body.restriction else None,
            message=body.message,
        ),
    )


@router.get("/decisions", response_model=DecisionList)
def list_decisions(
    session: DbSession,
    user: ApiManager,
    kind: DecisionKind | None = None,
    decided_by_id: Annotated[int | None, Query(gt=0, le=MAX_DB_ID)] = None,
    customer_id: Annotated[int | None, Query(gt=0, le=MAX_DB_ID)] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    rows, total = review.list_decisions(
        session,
        offset=offset,
        limit=limit,
        where=review.DecisionFilter(
            kind=kind, decided_by_id=decided_by_id, customer_id=customer_id
        ),
    )
    return {"items": rows, "total": total, "offset": offset, "limit": limit}


@router.get("/appeals", response_model=list[AppealOut])
def list_appeals(session: DbSession, user: ApiManager, status: AppealStatus | None = None) -> Any:
    return [a for a, _ in appeal_service.list_appeals(session, status=status)]


@router.post("/appeals/{appeal_id}/decision", response_model=AppealOut)
def decide_appeal(
    appeal_id: Id, body: AppealDecisionIn, session: DbSession, user: ApiManager
) -> Any:
    """Uphold or overturn; refused (403) to the manager who made the decision under appeal."""
    return appeal_service.review(
        session, appeal_id=appeal_id, actor=user, outcome=body.outcome.value, reason=body.reason
    )
