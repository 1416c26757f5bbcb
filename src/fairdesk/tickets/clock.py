"""The SLA clock of a ticket: due times from its policy, paused while waiting on the customer."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.db.committed_cache import CommittedCache
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
    return ALWAYS_OPEN if row is None else _calendar(row)


def _calendar(row: SlaCalendar) -> BusinessCalendar:
    return BusinessCalendar.from_config(
        timezone=row.timezone, hours=row.hours, holidays=row.holidays
    )


@dataclass(frozen=True)
class PolicyTerms:
    """What a ticket's clock needs of an SLA policy, with its calendar already built."""

    id: int
    priority: Priority
    segment: str | None
    first_response_minutes: int
    resolution_minutes: int
    calendar: BusinessCalendar


@dataclass(frozen=True)
class SlaTerms:
    """Every policy a clock may use, read once and shared by the intakes of this process."""

    active: dict[Priority, tuple[PolicyTerms, ...]]  # per priority, in id order
    by_id: dict[int, PolicyTerms]  # inactive ones too: a ticket keeps its policy's promise


def _load_terms(session: Session) -> SlaTerms:
    policies = session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)).all()
    used = {p.calendar_id for p in policies if p.calendar_id is not None}
    calendars = {
        row.id: _calendar(row)
        for row in (
            session.scalars(select(SlaCalendar).where(SlaCalendar.id.in_(used))) if used else ()
        )
    }
    active: defaultdict[Priority, list[PolicyTerms]] = defaultdict(list)
    by_id: dict[int, PolicyTerms] = {}
    for row in policies:
        terms = PolicyTerms(
            id=row.id,
            priority=Priority(row.priority),
            segment=row.segment,
            first_response_minutes=row.first_response_minutes,
            resolution_minutes=row.resolution_minutes,
            calendar=calendars.get(row.calendar_id or 0, ALWAYS_OPEN),
        )
        by_id[row.id] = terms
        if row.active:
            active[terms.priority].append(terms)
    return SlaTerms(active={p: tuple(ts) for p, ts in active.items()}, by_id=by_id)


# Every new ticket needs its policy and calendar; they change a few times a year.
sla_terms = CommittedCache((SlaPolicy, SlaCalendar), _load_terms)


def policy_for(
    session: Session, priority: Priority, segment: str | None = None
) -> PolicyTerms | None:
    """The active policy for this priority; a segment-specific one wins over the general one."""
    rows = sla_terms.get(session).active.get(priority, ())
    specific = [p for p in rows if segment is not None and p.segment == segment]
    general = [p for p in rows if p.segment is None]
    chosen = specific or general
    return chosen[0] if chosen else None


def terms_of(session: Session, ticket: Ticket) -> PolicyTerms | None:
    """The policy the ticket's clock runs on (set by ``start``).

    A policy created in another process moments ago may not be in this one's terms yet:
    then it is read afresh, so a promise or a resumed clock never falls back to defaults.
    """
    if ticket.sla_policy_id is None:
        return None
    found = sla_terms.get(session).by_id.get(ticket.sla_policy_id)
    return found or _load_terms(session).by_id.get(ticket.sla_policy_id)


def targets(policy: PolicyTerms | None, priority: Priority) -> tuple[timedelta, timedelta]:
    if policy is None:
        first, resolve = DEFAULT_TARGETS[priority]
    else:
        first, resolve = policy.first_response_minutes, policy.resolution_minutes
    return timedelta(minutes=first), timedelta(minutes=resolve)


def start(session: Session, ticket: Ticket, *, now: datetime) -> None:
    """Set the due times of a new ticket (or one whose priority changed)."""
    policy = policy_for(session, Priority(ticket.priority))
    cal = policy.calendar if policy else ALWAYS_OPEN
    first, resolve = targets(policy, Priority(ticket.priority))
    ticket.sla_policy_id = policy.id if policy else None
    begin = ticket.created_at or now
    if ticket.first_responded_at is None:
        ticket.first_response_due_at = add_business_time(begin, first, cal)
    ticket.resolution_due_at = add_business_time(begin, resolve, cal)


def promised_response(session: Session, ticket: Ticket) -> str:
    """Plain words for the acknowledgement: 'within 8 business hours'.

    The promise is the ticket's own policy (set by ``start``), from the shared terms rather
    than looked up again.
    """
    policy = terms_of(session, ticket)
    first, _ = targets(policy, Priority(ticket.priority))
    hours = first.total_seconds() / 3600
    always_open = policy is None or policy.calendar.always_open
    unit = "business hours" if not always_open else "hours"
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
    policy = terms_of(session, ticket)
    cal = policy.calendar if policy else ALWAYS_OPEN
    waited = business_time_between(ticket.sla_paused_at, now, cal)
    if ticket.first_responded_at is None and ticket.first_response_due_at is not None:
        ticket.first_response_due_at = add_business_time(ticket.first_response_due_at, waited, cal)
    if ticket.resolution_due_at is not None:
        ticket.resolution_due_at = add_business_time(ticket.resolution_due_at, waited, cal)
    ticket.sla_paused_at = None
