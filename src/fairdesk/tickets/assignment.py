"""Automatic round-robin assignment among available agents.

Every new ticket takes the next turn of a rotation over the agents available now:

* **PostgreSQL** keeps the turn in a sequence (``agent_rotation_seq``, migration 0003_sla).
  ``nextval`` is not transactional, so intakes running at the same time each get a distinct
  turn at once, and turn *n* goes to the available agent at position *n mod K* (agents in id
  order). No agent row is locked or written, so intake never queues behind another intake,
  and over N concurrent intakes with a fixed set of K agents the counts differ by at most one
  (a turn is skipped only when its intake rolls back).
* **SQLite** has a single writer, so one ``UPDATE … RETURNING`` statement picks and stamps
  the agent atomically and picks are serial: the rotation is plain "picked longest ago
  first", kept in ``AgentAvailability.last_assigned_at`` (stamped with the wall-clock moment
  of the pick, not the ticket's own time, which an import or the demo may back-date).

An agent who goes away simply leaves the rotation; one who comes back rejoins it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, Sequence, or_, select, update
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.base import utcnow
from fairdesk.tickets.models import AgentAvailability, Ticket

ROTATION = Sequence("agent_rotation_seq")


def is_away(slot: AgentAvailability | None, *, now: datetime) -> bool:
    """Away: switched off, or away until a moment still to come. No row means not in rotation."""
    if slot is None:
        return True
    return not slot.available or (slot.away_until is not None and slot.away_until > now)


def _candidates(now: datetime, exclude: set[int] | None) -> Select[AgentAvailability]:
    stmt = (
        select(AgentAvailability)
        .join(StaffUser, StaffUser.id == AgentAvailability.staff_id)
        .where(
            StaffUser.is_active,
            StaffUser.role == Role.AGENT,
            AgentAvailability.available,
            or_(AgentAvailability.away_until.is_(None), AgentAvailability.away_until <= now),
        )
    )
    if exclude:
        stmt = stmt.where(AgentAvailability.staff_id.not_in(exclude))
    return stmt


def available_agents(session: Session, *, now: datetime) -> list[AgentAvailability]:
    """Agents who take work now, the one picked longest ago first."""
    stmt = _candidates(now, None).order_by(
        AgentAvailability.last_assigned_at.asc().nulls_first(), AgentAvailability.staff_id
    )
    return list(session.scalars(stmt).all())


def _next_agent(session: Session, *, now: datetime, exclude: set[int] | None) -> int | None:
    if session.get_bind().dialect.name == "postgresql":
        # One round trip: the uncorrelated subquery runs once (an InitPlan), not per row.
        turn = select(ROTATION.next_value()).scalar_subquery().label("turn")
        rows = session.execute(
            _candidates(now, exclude)
            .with_only_columns(turn, AgentAvailability.staff_id)
            .order_by(AgentAvailability.staff_id)
        ).all()
        if not rows:
            return None
        return int(rows[int(rows[0].turn) % len(rows)].staff_id)
    # One statement picks and stamps, so the pick is atomic under SQLite's write lock even
    # when this intake has written nothing yet.
    oldest = (
        _candidates(now, exclude)
        .with_only_columns(AgentAvailability.staff_id)
        .order_by(
            AgentAvailability.last_assigned_at.asc().nulls_first(), AgentAvailability.staff_id
        )
        .limit(1)
        .scalar_subquery()
    )
    staff_id: int | None = session.execute(
        update(AgentAvailability)
        .where(AgentAvailability.staff_id == oldest)
        .values(last_assigned_at=utcnow())
        .returning(AgentAvailability.staff_id)
        .execution_options(synchronize_session=False)
    ).scalar()
    return staff_id


def auto_assign(
    session: Session, ticket: Ticket, *, now: datetime, exclude: set[int] | None = None
) -> int | None:
    """Give the ticket to the next agent in turn; None when nobody is available."""
    staff_id = _next_agent(session, now=now, exclude=exclude)
    if staff_id is not None:
        ticket.assignee_id = staff_id
    return staff_id


def set_availability(
    session: Session, *, staff_id: int, available: bool, away_until: datetime | None = None
) -> AgentAvailability:
    """Store an agent's availability; ``fairdesk.tickets.away`` also hands their work on."""
    slot = session.get(AgentAvailability, staff_id)
    if slot is None:
        slot = AgentAvailability(staff_id=staff_id)
        session.add(slot)
    slot.available = available
    slot.away_until = away_until
    session.flush()
    return slot
