"""REST endpoints for improvements (under /api/v1): plan, link themes, ship and tell."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette import status

from fairdesk.auth.deps import ApiManager, ApiUser
from fairdesk.db.deps import DbSession
from fairdesk.feedback.improvements import metrics
from fairdesk.feedback.improvements import service as improvement_service
from fairdesk.feedback.improvements.schemas import (
    BeforeAfterOut,
    ImprovementDetail,
    ImprovementIn,
    ImprovementOut,
    LinkIn,
    ShipIn,
    ShipOut,
    SideOut,
)

router = APIRouter(prefix="/improvements", tags=["improvements"])


def detail(session: Session, improvement_id: int) -> ImprovementDetail:
    improvement = improvement_service.get_improvement(session, improvement_id)
    compared = metrics.before_after(session, improvement)
    shown = (
        None
        if compared is None
        else BeforeAfterOut(
            ticket_count=compared.ticket_count,
            before=SideOut(**asdict(compared.before)),
            after=SideOut(**asdict(compared.after)),
        )
    )
    return ImprovementDetail(
        **ImprovementOut.model_validate(improvement).model_dump(),
        theme_ids=[t.id for t in improvement_service.themes_of(session, improvement.id)],
        notifications=improvement_service.notification_counts(session, improvement.id),
        metrics=shown,
    )


@router.get("", response_model=list[ImprovementOut])
def list_improvements(session: DbSession, user: ApiUser) -> list[ImprovementOut]:
    return [
        ImprovementOut.model_validate(i) for i in improvement_service.list_improvements(session)
    ]


@router.post("", response_model=ImprovementDetail, status_code=status.HTTP_201_CREATED)
def create(body: ImprovementIn, session: DbSession, user: ApiManager) -> ImprovementDetail:
    improvement = improvement_service.create(
        session,
        title=body.title,
        description=body.description,
        owner_id=body.owner_id,
        planned_for=body.planned_for,
        theme_ids=body.theme_ids,
        actor=user,
    )
    return detail(session, improvement.id)


@router.get("/{improvement_id}", response_model=ImprovementDetail)
def get(improvement_id: int, session: DbSession, user: ApiUser) -> ImprovementDetail:
    return detail(session, improvement_id)


@router.post("/{improvement_id}/themes", response_model=ImprovementDetail)
def link(
    improvement_id: int, body: LinkIn, session: DbSession, user: ApiManager
) -> ImprovementDetail:
    improvement_service.link(session, improvement_id, theme_ids=body.theme_ids, actor=user)
    return detail(session, improvement_id)


@router.post("/{improvement_id}/ship", response_model=ShipOut)
def ship(improvement_id: int, body: ShipIn, session: DbSession, user: ApiManager) -> ShipOut:
    """Ship it (once) and e-mail every customer who asked and allows contact (once each)."""
    _, report = improvement_service.ship(
        session, improvement_id, shipped_at=body.shipped_at, actor=user
    )
    return ShipOut(improvement=detail(session, improvement_id), **asdict(report))
