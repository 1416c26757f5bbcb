"""Who gets a ticket when staff protection is in play, and the manager's senior-queue routing.

Assignment stays the round-robin of ``tickets.assignment``; this only narrows who may take
the turn, and never leaves a ticket without an answer:

1. A customer a manager routed to the senior queue (``CustomerRouting``) gets a member of it:
   a manager, or an agent flagged senior (``SeniorStaff``), who is not away, preferring one
   who has not received this customer's abuse yet, then the one with the fewest open tickets.
   The ticket is tagged ``senior-queue``. If nobody of the queue is in, the ordinary rotation
   answers it: stored, acknowledged and answered within SLA like any other (rule 1).
2. A customer who sent abuse in the last ``protection_abuse_days`` days gets an available
   agent who has not received it, when there is one; otherwise the ordinary turn.
3. Everyone else: the ordinary turn, unchanged (a flag alone never changes service, rule 6).

Routing a customer is a manager's decision with a reason, audited; so is flagging an agent
senior.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import Role, StaffUser
from fairdesk.config import get_settings
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound, PermissionDenied, ValidationFailed
from fairdesk.fairness.models import CustomerRouting
from fairdesk.fairness.protection.exposure import abusive_messages, receivers
from fairdesk.fairness.protection.models import SENIOR_QUEUE, SeniorStaff
from fairdesk.tickets import assignment
from fairdesk.tickets.models import OPEN_STATUSES, AgentAvailability, Ticket

SENIOR_TAG = "senior-queue"
MAX_REASON = 2000


def received_abuse_from(session: Session, customer_id: int, *, since: datetime) -> set[int]:
    """Staff who received this customer's abusive messages since ``since``."""
    found = abusive_messages(session, since=since, customer_id=customer_id)
    if not found:
        return set()
    who = receivers(session, {m.ticket_id for m in found})
    return {staff_id for m in found for staff_id in who.get(m.ticket_id, ())}


def senior_queue(session: Session) -> list[StaffUser]:
    """The senior queue: active managers and admins, and active agents flagged senior."""
    flagged = select(SeniorStaff.staff_id)
    return list(
        session.scalars(
            select(StaffUser)
            .where(
                StaffUser.is_active,
                StaffUser.role.in_([Role.MANAGER, Role.ADMIN]) | StaffUser.id.in_(flagged),
            )
            .order_by(StaffUser.id)
        )
    )


def _pick_senior(
    session: Session, *, avoid: set[int], exclude: set[int], now: datetime
) -> int | None:
    members = [m for m in senior_queue(session) if m.id not in exclude]
    slots = {
        s.staff_id: s
        for s in session.scalars(
            select(AgentAvailability).where(AgentAvailability.staff_id.in_([m.id for m in members]))
        )
    }
    # Managers are often outside the rotation (no availability row): in unless marked away.
    present = [
        m.id for m in members if m.id not in slots or not assignment.is_away(slots[m.id], now=now)
    ]
    if not present:
        return None
    load = dict(
        session.execute(
            select(Ticket.assignee_id, func.count())
            .where(Ticket.assignee_id.in_(present), Ticket.status.in_(OPEN_STATUSES))
            .group_by(Ticket.assignee_id)
        ).all()
    )
    return min(present, key=lambda sid: (sid in avoid, load.get(sid, 0), sid))


def assign(
    session: Session,
    ticket: Ticket,
    *,
    now: datetime,
    exclude: set[int] | None = None,
    first_contact: bool = False,
) -> int | None:
    """Give the ticket its assignee under the protection rules above; None when nobody is in.

    Intake calls it for every new ticket, and the away hand-over for every ticket it moves.
    ``first_contact``: the customer was created in this very transaction, so no manager can
    have routed them and they have sent nothing yet: rule 3 without reading either.
    """
    if first_contact:
        return assignment.auto_assign(session, ticket, now=now, exclude=exclude or None)
    exclude = set(exclude or ())
    routed = session.get(CustomerRouting, ticket.customer_id)
    since = now - timedelta(days=get_settings().protection_abuse_days)
    avoid = received_abuse_from(session, ticket.customer_id, since=since)
    if routed is not None:
        if SENIOR_TAG not in (ticket.tags or []):
            ticket.tags = [*(ticket.tags or []), SENIOR_TAG]
        senior = _pick_senior(session, avoid=avoid, exclude=exclude, now=now)
        if senior is not None:
            ticket.assignee_id = senior
            return senior
    if avoid - exclude:
        spared = assignment.auto_assign(session, ticket, now=now, exclude=exclude | avoid)
        if spared is not None:
            return spared
    return assignment.auto_assign(session, ticket, now=now, exclude=exclude or None)


def _manager(actor: StaffUser, what: str) -> None:
    if not Role(actor.role).at_least(Role.MANAGER):
        raise PermissionDenied(f"only a manager may {what}")


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ValidationFailed("reason: say why, for the record", field="reason")
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"reason: at most {MAX_REASON} characters", field="reason")
    return text


def set_routing(
    session: Session, *, customer_id: int, reason: str, actor: StaffUser
) -> CustomerRouting:
    """Route this customer's new tickets to the senior queue (a manager's call); audited."""
    _manager(actor, "route a customer to the senior queue")
    text = _reason(reason)
    if session.get(Customer, customer_id) is None:
        raise NotFound(f"no customer with id {customer_id}", field="customer_id")
    row = session.get(CustomerRouting, customer_id)
    if row is None:
        row = CustomerRouting(customer_id=customer_id)
        session.add(row)
    row.queue, row.reason, row.set_by_id, row.set_at = SENIOR_QUEUE, text, actor.id, utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="customer.routing.set",
        entity_type="customer",
        entity_id=customer_id,
        details={"queue": SENIOR_QUEUE, "reason": text},
    )
    session.flush()
    return row


def clear_routing(session: Session, *, customer_id: int, reason: str, actor: StaffUser) -> None:
    """Send this customer's new tickets back to the ordinary rotation; audited."""
    _manager(actor, "change a customer's routing")
    text = _reason(reason)
    row = session.get(CustomerRouting, customer_id)
    if row is None:
        raise NotFound(
            f"customer {customer_id} is not routed to the senior queue", field="customer_id"
        )
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="customer.routing.clear",
        entity_type="customer",
        entity_id=customer_id,
        details={"queue": row.queue, "reason": text},
    )
    session.flush()


def set_senior(
    session: Session, *, staff_id: int, senior: bool, actor: StaffUser, reason: str = ""
) -> bool:
    """Flag an agent senior (or not); managers are always in the senior queue. Audited."""
    _manager(actor, "change who is in the senior queue")
    person = session.get(StaffUser, staff_id)
    if person is None or not person.is_active:
        raise NotFound(f"no active staff user with id {staff_id}", field="staff_id")
    row = session.get(SeniorStaff, staff_id)
    if senior == (row is not None):
        return senior
    if senior:
        session.add(SeniorStaff(staff_id=staff_id, reason=reason.strip(), added_by_id=actor.id))
    else:
        session.delete(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="staff.senior.set" if senior else "staff.senior.clear",
        entity_type="staff_user",
        entity_id=staff_id,
        details={"reason": reason.strip()},
    )
    session.flush()
    return senior


def routing_of(session: Session, customer_id: int) -> CustomerRouting | None:
    return session.get(CustomerRouting, customer_id)


def senior_ids(session: Session) -> set[int]:
    return set(session.scalars(select(SeniorStaff.staff_id)))
