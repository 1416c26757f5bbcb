"""REST endpoints for service levels (mounted under /api/v1): SLA policies, business
calendars, and who is in the assignment rotation (availability, away, team leads)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from starlette import status

from fairdesk.auth.deps import ApiManager, ApiUser
from fairdesk.db.deps import DbSession
from fairdesk.tickets import away
from fairdesk.tickets import sla_admin as admin
from fairdesk.tickets.models import AgentAvailability
from fairdesk.tickets.sla_admin import (
    CalendarCreate,
    CalendarOut,
    CalendarUpdate,
    PolicyCreate,
    PolicyOut,
    PolicyUpdate,
)

router = APIRouter(tags=["service levels"])

_NEW_TICKETS_ONLY = (
    " A change applies to tickets that arrive afterwards: open tickets keep the due times"
    " they were promised."
)


@router.get("/sla/calendars", response_model=list[CalendarOut])
def list_calendars(session: DbSession, user: ApiManager) -> list[CalendarOut]:
    return [CalendarOut.model_validate(c) for c in admin.list_calendars(session)]


@router.post(
    "/sla/calendars",
    response_model=CalendarOut,
    status_code=status.HTTP_201_CREATED,
    description="Business hours and holidays an SLA clock runs on." + _NEW_TICKETS_ONLY,
)
def create_calendar(data: CalendarCreate, session: DbSession, user: ApiManager) -> CalendarOut:
    return CalendarOut.model_validate(admin.create_calendar(session, data=data, actor=user))


@router.patch(
    "/sla/calendars/{calendar_id}", response_model=CalendarOut, description=_NEW_TICKETS_ONLY
)
def update_calendar(
    calendar_id: int, data: CalendarUpdate, session: DbSession, user: ApiManager
) -> CalendarOut:
    row = admin.update_calendar(session, calendar_id=calendar_id, data=data, actor=user)
    return CalendarOut.model_validate(row)


@router.get("/sla/policies", response_model=list[PolicyOut])
def list_policies(session: DbSession, user: ApiManager) -> list[PolicyOut]:
    return [PolicyOut.model_validate(p) for p in admin.list_policies(session)]


@router.post(
    "/sla/policies",
    response_model=PolicyOut,
    status_code=status.HTTP_201_CREATED,
    description="First-response and resolution targets for one priority (and optionally one"
    " segment); one active policy per priority and segment." + _NEW_TICKETS_ONLY,
)
def create_policy(data: PolicyCreate, session: DbSession, user: ApiManager) -> PolicyOut:
    return PolicyOut.model_validate(admin.create_policy(session, data=data, actor=user))


@router.patch("/sla/policies/{policy_id}", response_model=PolicyOut, description=_NEW_TICKETS_ONLY)
def update_policy(
    policy_id: int, data: PolicyUpdate, session: DbSession, user: ApiManager
) -> PolicyOut:
    row = admin.update_policy(session, policy_id=policy_id, data=data, actor=user)
    return PolicyOut.model_validate(row)


class AvailabilityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    available: bool = Field(description="False: away until switched back on")
    away_until: datetime | None = Field(
        default=None, description="Away until this moment, then back in the rotation"
    )


class TeamLeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    team_lead_id: int | None = Field(description="Hears this agent's SLA alerts; None: managers")


class AvailabilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    staff_id: int
    available: bool
    away_until: datetime | None
    team_lead_id: int | None


class AvailabilityChanged(AvailabilityOut):
    reassigned: list[int] = Field(description="Ids of the open tickets handed on")


@router.get("/agents/availability", response_model=list[AvailabilityOut])
def list_availability(session: DbSession, user: ApiUser) -> list[AvailabilityOut]:
    rows = session.scalars(select(AgentAvailability).order_by(AgentAvailability.staff_id)).all()
    return [AvailabilityOut.model_validate(r) for r in rows]


@router.put(
    "/agents/{staff_id}/availability",
    response_model=AvailabilityChanged,
    description="Agents set their own; managers anyone's. Going away hands the agent's open"
    " tickets to the next available agents in turn (unassigned when nobody is available).",
)
def put_availability(
    staff_id: int, data: AvailabilityIn, session: DbSession, user: ApiUser
) -> AvailabilityChanged:
    away.may_change(user, staff_id)
    moves = away.update_availability(
        session,
        staff_id=staff_id,
        available=data.available,
        away_until=data.away_until,
        actor=user,
    )
    slot = session.get(AgentAvailability, staff_id)
    return AvailabilityChanged.model_validate(
        {
            **AvailabilityOut.model_validate(slot).model_dump(),
            "reassigned": [m.ticket_id for m in moves],
        }
    )


@router.put("/agents/{staff_id}/team-lead", response_model=AvailabilityOut)
def put_team_lead(
    staff_id: int, data: TeamLeadIn, session: DbSession, user: ApiManager
) -> AvailabilityOut:
    slot = away.set_team_lead(
        session, staff_id=staff_id, team_lead_id=data.team_lead_id, actor=user
    )
    return AvailabilityOut.model_validate(slot)
