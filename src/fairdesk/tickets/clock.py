"""The SLA clock of a ticket: due times from its policy, paused while waiting on the customer."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.tickets.models import Priority, SlaCalendar, SlaPolicy, Ticket
from fairdesk.tickets.sla import BusinessCalendar, add_business_time, business_time_between

# Used when a business has not configured SLA policies yet: every ticket still gets a promise.
DEFAULT_TARGETS: dict[Priority, tuple[int, int]] = {
    Priority.URGENT: (60, 8 * 60),
    Priority.HIGH: (4 * 60, 24 * 60),
    Priority.NORMAL: (8 * 60, 3 * 24 * 60),
    Priority.LOW: (24 * 60, 7 * 24 * 60),
}
ALWAYS_OPEN = BusinessCalendar()


def calendar_of(session: Session, policy: SlaPolicy | None) -> BusinessCalendar:
    if policy is None or policy.calendar_id is None:
        return ALWAYS_OPEN
    row = session.get(SlaCalendar, policy.calendar_id)
    if row is None:
        return ALWAYS_OPEN
    return BusinessCalendar.from_config(
        timezone=row.timezone, hours=row.hours, holidays=row.holidays
    )


def policy_for(
    session: Session, priority: Priority, segment: str | None = None
) -> SlaPolicy | None:
    """The active policy for this priority; a segment-specific one wins over the general one."""
    rows = session.scalars(
        select(SlaPolicy)
        .where(SlaPolicy.active, SlaPolicy.priority == priority)
        .order_by(SlaPolicy.id)
    ).all()
    specific = [p for p in rows if segment is not None and p.segment == segment]
    general = [p for p in rows if p.segment is None]
    chosen = specific or general
    return chosen[0] if chosen else None


def targets(policy: SlaPolicy | None, priority: Priority) -> tuple[timedelta, timedelta]:
    if policy is None:
        first, resolve = DEFAULT_TARGETS[priority]
    else:
        first, resolve = policy.first_response_minutes, policy.resolution_minutes
    return timedelta(minutes=first), timedelta(minutes=resolve)


def start(session: Session, ticket: Ticket, *, now: datetime) -> None:
    """Set the due times of a new ticket (or one whose priority changed)."""
    policy = policy_for(session, Priority(ticket.priority))
    cal = calendar_of(session, policy)
    first, resolve = targets(policy, Priority(ticket.priority))
    ticket.sla_policy_id = policy.id if policy else None
    begin = ticket.created_at or now
    if ticket.first_responded_at is None:
        ticket.first_response_due_at = add_business_time(begin, first, cal)
    ticket.resolution_due_at = add_business_time(begin, resolve, cal)


def promised_response(session: Session, ticket: Ticket) -> str:
    """Plain words for the acknowledgement: 'within 8 business hours'.

    The promise is the ticket's own policy (set by ``start``), read through the session's
    identity map rather than looked up again.
    """
    policy = session.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    first, _ = targets(policy, Priority(ticket.priority))
    hours = first.total_seconds() / 3600
    unit = "business hours" if not calendar_of(session, policy).always_open else "hours"
    if hours < 1:
        return f"within {int(first.total_seconds() // 60)} minutes"
    return f"within {hours:g} {unit if hours != 1 else unit[:-1]}"


def pause(ticket: Ticket, *, now: datetime) -> None:
    if ticket.sla_paused_at is None:
        ticket.sla_paused_at = now


def resume(session: Session, ticket: Ticket, *, now: datetime) -> None:
    """Push due times back by the business time spent waiting on the customer."""
    if ticket.sla_paused_at is None:
        return
    cal = calendar_of(
        session, session.get(SlaPolicy, ticket.sla_policy_id) if ticket.sla_policy_id else None
    )
    waited = business_time_between(ticket.sla_paused_at, now, cal)
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        ticket.first_response_due_at = add_business_time(ticket.first_response_due_at, waited, cal)
    if ticket.resolution_due_at is not None:
        ticket.resolution_due_at = add_business_time(ticket.resolution_due_at, waited, cal)
    ticket.sla_paused_at = None
