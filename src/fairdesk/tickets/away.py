"""Agents going away and coming back: their open tickets move on, nobody waits on an empty chair.

Marking an agent away (switched off, or away until a moment) hands each of their open tickets
— pending ones included, since a customer's reply must find someone — to the next available
agent in the round-robin turn. When nobody else is available the ticket becomes unassigned,
so it shows in the team's "unassigned" view rather than sitting with someone who is not there.
Each move is written on the ticket as an event and in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound, PermissionDenied, ValidationFailed
from fairdesk.fairness.protection import routing as protection_routing
from fairdesk.tickets import assignment
from fairdesk.tickets.models import (
    OPEN_STATUSES,
    AgentAvailability,
    Message,
    MessageKind,
    Ticket,
)


@dataclass(frozen=True)
class Reassignment:
    ticket_id: int
    from_staff_id: int
    to_staff_id: int | None  # None: nobody was available, the ticket is now unassigned


def _staff(session: Session, staff_id: int, field: str) -> StaffUser:
    user = session.get(StaffUser, staff_id)
    if user is None or not user.is_active:
        raise NotFound(f"no active staff user with id {staff_id}", field=field)
    return user


def may_change(actor: StaffUser, staff_id: int) -> None:
    """Agents set their own availability; managers set anyone's."""
    if actor.id != staff_id and not Role(actor.role).at_least(Role.MANAGER):
        raise PermissionDenied("only a manager may change another person's availability")


def update_availability(
    session: Session,
    *,
    staff_id: int,
    available: bool,
    away_until: datetime | None,
    actor: StaffUser | None,
    now: datetime | None = None,
) -> list[Reassignment]:
    """Store availability; if the agent is now away, hand their open tickets on."""
    now = now or utcnow()
    _staff(session, staff_id, "staff_id")
    if away_until is not None and away_until.tzinfo is None:
        raise ValidationFailed("away_until needs a time zone", field="away_until")
    slot = assignment.set_availability(
        session, staff_id=staff_id, available=available, away_until=away_until
    )
    audit.record(
        session,
        actor=actor,
        action="agent.availability",
        entity_type="staff_user",
        entity_id=staff_id,
        details={
            "available": available,
            "away_until": away_until.isoformat() if away_until else None,
        },
    )
    if not assignment.is_away(slot, now=now):
        return []
    return reassign_open_tickets(session, staff_id=staff_id, actor=actor, now=now)


def set_team_lead(
    session: Session, *, staff_id: int, team_lead_id: int | None, actor: StaffUser | None
) -> AgentAvailability:
    """Who hears about this agent's SLA warnings and breaches (managers when nobody)."""
    _staff(session, staff_id, "staff_id")
    if team_lead_id is not None:
        if team_lead_id == staff_id:
            raise ValidationFailed("an agent cannot be their own team lead", field="team_lead_id")
        _staff(session, team_lead_id, "team_lead_id")
    slot = session.get(AgentAvailability, staff_id)
    if slot is None:
        slot = assignment.set_availability(session, staff_id=staff_id, available=True)
    old = slot.team_lead_id
    slot.team_lead_id = team_lead_id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="agent.team_lead",
        entity_type="staff_user",
        entity_id=staff_id,
        details={"from": old, "to": team_lead_id},
    )
    return slot


def reassign_open_tickets(
    session: Session, *, staff_id: int, actor: StaffUser | None, now: datetime
) -> list[Reassignment]:
    """Move every open ticket of an away agent, the most urgent first."""
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.assignee_id == staff_id, Ticket.status.in_(OPEN_STATUSES))
        .order_by(Ticket.first_response_due_at.asc().nulls_last(), Ticket.id)
    ).all()
    moves = []
    for ticket in tickets:
        to = protection_routing.assign(session, ticket, now=now, exclude={staff_id})
        if to is None:
            ticket.assignee_id = None
        moves.append(Reassignment(ticket_id=ticket.id, from_staff_id=staff_id, to_staff_id=to))
        session.add(
            Message(
                ticket_id=ticket.id,
                kind=MessageKind.EVENT,
                channel=ticket.channel,
                body="Reassigned: the agent is away"
                if to is not None
                else "Unassigned: the agent is away and nobody else is available",
                created_at=now,
                meta={"event": "assign", "reason": "away", "old": staff_id, "new": to},
            )
        )
        audit.record(
            session,
            actor=actor,
            action="ticket.assign",
            entity_type="ticket",
            entity_id=ticket.id,
            details={"from": staff_id, "to": to, "reason": "away"},
        )
    session.flush()
    return moves
