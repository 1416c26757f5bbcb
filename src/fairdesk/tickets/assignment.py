"""Automatic round-robin assignment among available agents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.tickets.models import AgentAvailability, Ticket


def available_agents(session: Session, *, now: datetime) -> list[AgentAvailability]:
    """Agents who take work now, the one assigned longest ago first."""
    stmt = (
        select(AgentAvailability)
        .join(StaffUser, StaffUser.id == AgentAvailability.staff_id)
        .where(
            StaffUser.is_active,
            StaffUser.role == Role.AGENT,
            AgentAvailability.available,
            or_(AgentAvailability.away_until.is_(None), AgentAvailability.away_until <= now),
        )
        .order_by(
            AgentAvailability.last_assigned_at.asc().nulls_first(), AgentAvailability.staff_id
        )
    )
    if session.get_bind().dialect.name == "postgresql":
        # Two concurrent intakes must not both pick the same "next" agent.
        stmt = stmt.with_for_update(skip_locked=True, of=AgentAvailability)
    return list(session.scalars(stmt).all())


def auto_assign(
    session: Session, ticket: Ticket, *, now: datetime, exclude: set[int] | None = None
) -> int | None:
    """Give the ticket to the next agent in turn; None when nobody is available."""
    for slot in available_agents(session, now=now):
        if exclude and slot.staff_id in exclude:
            continue
        ticket.assignee_id = slot.staff_id
        slot.last_assigned_at = now
        return slot.staff_id
    return None


def set_availability(
    session: Session, *, staff_id: int, available: bool, away_until: datetime | None = None
) -> AgentAvailability:
    slot = session.get(AgentAvailability, staff_id)
    if slot is None:
        slot = AgentAvailability(staff_id=staff_id)
        session.add(slot)
    slot.available = available
    slot.away_until = away_until
    session.flush()
    return slot
