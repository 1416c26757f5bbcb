"""REST endpoints for segments, memberships and a customer's insights (under /api/v1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from starlette.responses import Response

from fairdesk.auth.deps import ApiManager, ApiUser
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.errors import NotFound
from fairdesk.segments import service as segment_service
from fairdesk.segments.fields import FIELDS, OPS
from fairdesk.segments.models import SegmentKind
from fairdesk.segments.schemas import (
    CountOut,
    FieldOut,
    InsightsOut,
    MembersOut,
    RulesIn,
    RunOut,
    SegmentCreate,
    SegmentOut,
    SegmentUpdate,
    TargetIn,
)

router = APIRouter(tags=["segments"])


@router.get("/segments", response_model=list[SegmentOut])
def list_segments(session: DbSession, user: ApiUser, kind: SegmentKind | None = None,
                  targets_only: bool = False) -> list[SegmentOut]:
    return [SegmentOut.model_validate(s) for s in
            segment_service.list_segments(session, kind=kind, targets_only=targets_only)]


@router.get("/segments/fields", response_model=list[FieldOut])
def rule_fields(user: ApiUser) -> list[FieldOut]:
    """What rules may filter on, with each field's operators and choices."""
    return [FieldOut(name=f.name, type=str(f.type), label=f.label, group=f.group,
                     ops=list(OPS[f.type]), choices=[str(c) for c in f.choices])
            for f in FIELDS.values()]


@router.get("/segments/runs/latest", response_model=RunOut)
def latest_run(session: DbSession, user: ApiUser) -> RunOut:
    run = segment_service.latest_run(session)
    if run is None:
        raise NotFound("no segmentation yet; run `fairdesk analyze`")
    return RunOut.model_validate(run)


@router.post("/segments/preview", response_model=CountOut)
def preview(body: RulesIn, session: DbSession, user: ApiUser) -> CountOut:
    """Validate rules and count who they match now, without saving."""
    return CountOut(count=segment_service.preview_count(session, body.rules))


@router.post("/segments", response_model=SegmentOut, status_code=201)
def create_segment(body: SegmentCreate, session: DbSession, user: ApiManager) -> SegmentOut:
    segment = segment_service.create_rule_segment(
        session, name=body.name, description=body.description, rules=body.rules, actor=user)
    return SegmentOut.model_validate(segment)


@router.get("/segments/{segment_id}", response_model=SegmentOut)
def get_segment(segment_id: int, session: DbSession, user: ApiUser) -> SegmentOut:
    return SegmentOut.model_validate(segment_service.get_segment(session, segment_id))


@router.patch("/segments/{segment_id}", response_model=SegmentOut)
def update_segment(segment_id: int, body: SegmentUpdate, session: DbSession,
                   user: ApiManager) -> SegmentOut:
    segment = segment_service.update_segment(session, segment_id, actor=user, name=body.name,
                                             description=body.description, rules=body.rules)
    return SegmentOut.model_validate(segment)


@router.delete("/segments/{segment_id}", status_code=204)
def delete_segment(segment_id: int, session: DbSession, user: ApiManager) -> Response:
    segment_service.delete_segment(session, segment_id, actor=user)
    return Response(status_code=204)


@router.put("/segments/{segment_id}/target", response_model=SegmentOut)
def set_target(segment_id: int, body: TargetIn, session: DbSession,
               user: ApiManager) -> SegmentOut:
    segment = segment_service.set_target(session, segment_id, target=body.target, actor=user)
    return SegmentOut.model_validate(segment)


@router.get("/segments/{segment_id}/members", response_model=MembersOut)
def members(
    segment_id: int, session: DbSession, user: ApiUser,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> MembersOut:
    segment = segment_service.get_segment(session, segment_id)
    query = segment_service.members(session, segment_id).subquery()
    total = session.scalar(select(func.count()).select_from(query)) or 0
    ids: list[int] = list(session.scalars(
        select(query.c[0]).order_by(query.c[0]).limit(limit).offset(offset)))
    computed = utcnow() if segment.kind == SegmentKind.RULE else segment.computed_at
    return MembersOut(segment_id=segment_id, total=total, customer_ids=ids,
                      computed_at=computed)


@router.get("/customers/{customer_id}/segments", response_model=InsightsOut)
def customer_segments(customer_id: int, session: DbSession, user: ApiUser) -> InsightsOut:
    """The customer's segments, RFM segment, persona and ideal-customer fit."""
    return InsightsOut.model_validate(segment_service.customer_insights(session, customer_id))
