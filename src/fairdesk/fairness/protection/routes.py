"""Staff protection API (under /api/v1/protection), managers only: the exposure board,
senior-queue routing of a customer, and who is flagged senior."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from fairdesk.auth.deps import ApiManager
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.fairness.protection import exposure, routing

router = APIRouter(prefix="/protection", tags=["staff protection"])


class ExposureOut(BaseModel):
    staff_id: int
    name: str
    role: str
    messages: int = Field(description="abusive or threatening messages received")
    threats: int
    severity: int = Field(description="sum of severities: threat or slur 3, harassment 2, insult 1")
    worst: str | None
    customers: int = Field(description="distinct customers they came from")
    this_week: int
    last_week: int
    trend: int = Field(description="this week's messages minus last week's")
    weekly: list[int] = Field(description="messages per seven-day week, oldest first")


class RoutingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=routing.MAX_REASON)


class RoutingOut(BaseModel):
    customer_id: int
    queue: str | None = Field(description="'senior', or null for the ordinary rotation")
    reason: str | None
    set_by_id: int | None
    set_at: datetime | None


class SeniorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    senior: bool
    reason: str = Field(default="", max_length=routing.MAX_REASON)


class SeniorOut(BaseModel):
    staff_id: int
    senior: bool


@router.get("/exposure", response_model=list[ExposureOut])
def exposure_board(
    session: DbSession, user: ApiManager, weeks: Annotated[int, Query(ge=2, le=52)] = 8
) -> list[ExposureOut]:
    """Every active member of staff's exposure to abuse, the most exposed first."""
    return [
        ExposureOut(
            staff_id=e.staff_id,
            name=e.name,
            role=e.role,
            messages=e.messages,
            threats=e.threats,
            severity=e.severity,
            worst=e.worst,
            customers=len(e.customers),
            this_week=e.this_week,
            last_week=e.last_week,
            trend=e.trend,
            weekly=e.weekly,
        )
        for e in exposure.exposure_board(session, now=utcnow(), weeks=weeks)
    ]


@router.put("/customers/{customer_id}/routing", response_model=RoutingOut)
def route_to_senior(
    customer_id: int, data: RoutingIn, session: DbSession, user: ApiManager
) -> RoutingOut:
    """Route the customer's new tickets to the senior queue (audited, with the reason)."""
    row = routing.set_routing(session, customer_id=customer_id, reason=data.reason, actor=user)
    return RoutingOut(
        customer_id=customer_id,
        queue=row.queue,
        reason=row.reason,
        set_by_id=row.set_by_id,
        set_at=row.set_at,
    )


@router.post("/customers/{customer_id}/routing/clear", response_model=RoutingOut)
def clear_routing(
    customer_id: int, data: RoutingIn, session: DbSession, user: ApiManager
) -> RoutingOut:
    """Back to the ordinary rotation (audited, with the reason)."""
    routing.clear_routing(session, customer_id=customer_id, reason=data.reason, actor=user)
    return RoutingOut(customer_id=customer_id, queue=None, reason=None, set_by_id=None, set_at=None)


@router.put("/staff/{staff_id}/senior", response_model=SeniorOut)
def set_senior(staff_id: int, data: SeniorIn, session: DbSession, user: ApiManager) -> SeniorOut:
    """Flag an agent senior (they join the managers in the senior queue), or unflag."""
    senior = routing.set_senior(
        session, staff_id=staff_id, senior=data.senior, actor=user, reason=data.reason
    )
    return SeniorOut(staff_id=staff_id, senior=senior)
