"""Agents' private rating of a ticket's interaction, given when the ticket is resolved.

The rating is staff-only by construction: no customer route, portal page or e-mail reads
this table. It feeds the ``agent_rating`` signal, a context signal that never opens a case
alone (one person's view; see ``opening.py``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.db.base import utcnow
from fairdesk.errors import Conflict, ValidationFailed
from fairdesk.fairness.models import InteractionRating
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.models import TicketStatus

RATEABLE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
NOTE_MAX = 2000


def rate(
    session: Session,
    *,
    ticket_id: int,
    staff: StaffUser,
    rating: int,
    note: str = "",
    now: datetime | None = None,
) -> InteractionRating:
    """Store (or change) ``staff``'s rating of the ticket; 1 = hostile … 5 = pleasant."""
    if not 1 <= rating <= 5:
        raise ValidationFailed("the rating must be a whole number from 1 to 5", field="rating")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(f"the note may be at most {NOTE_MAX} characters", field="note")
    ticket = ticket_service.get_ticket(session, ticket_id)
    if ticket.status not in RATEABLE:
        raise Conflict("rate the interaction once the ticket is resolved or closed", field="ticket")
    row = session.scalar(
        select(InteractionRating).where(
            InteractionRating.ticket_id == ticket.id, InteractionRating.staff_id == staff.id
        )
    )
    if row is None:
        row = InteractionRating(
            ticket_id=ticket.id,
            customer_id=ticket.customer_id,
            staff_id=staff.id,
            rating=rating,
            note=note.strip(),
            created_at=now or utcnow(),
        )
        session.add(row)
    else:
        row.rating, row.note = rating, note.strip()
    session.flush()
    audit.record(
        session,
        actor=staff,
        action="fairness.rating",
        entity_type="ticket",
        entity_id=ticket.id,
        details={"rating": rating},
    )
    return row
