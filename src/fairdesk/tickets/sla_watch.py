"""The SLA watch: warn before a deadline, mark and tell at the deadline — once, to the right people.

A job (``fairdesk jobs run``) calls ``run`` every minute. For every open ticket whose clock
runs (new or open; a pending ticket waits on the customer and its clock is paused) it looks at
the deadline that is still open — first response until a reply, resolution until solved:

* **warning**: when no more than the policy's ``warn_before_minutes`` of *business* time is
  left (a deadline at Monday 09:10 warns on Friday afternoon, not at 08:40 on Monday);
* **breach**: when the deadline passes unanswered, the ticket's ``*_breached`` flag is set,
  which the inbox shows and reports count.

Each warning and breach writes an event on the ticket, a webhook event, and one e-mail
through the outbox to the assignee and their team lead (``AgentAvailability.team_lead_id``),
or to every manager when the ticket has no assignee or the assignee no team lead.

Once means once: a notification is claimed by a conditional UPDATE of the ticket's flag that
only one transaction can win, on SQLite and PostgreSQL alike, and each e-mail carries the
dedup key ``sla-{warn|breach}:{first|resolution}:{ticket id}:{staff id}``. PostgreSQL also
reads the candidates with ``FOR UPDATE SKIP LOCKED`` so two watchers share the work instead
of queueing on the same rows. Running the job twice, or twice at once, changes nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, and_, or_, select, true, update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.attributes import set_committed_value

from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.base import utcnow
from fairdesk.fairness.protection.masking import masked_subject
from fairdesk.outbox import events
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind
from fairdesk.tickets import clock
from fairdesk.tickets.models import (
    AgentAvailability,
    Message,
    MessageKind,
    SlaPolicy,
    Ticket,
    TicketStatus,
)
from fairdesk.tickets.sla import BusinessCalendar, add_business_time, business_time_between

DEFAULT_WARN_BEFORE = timedelta(minutes=30)  # tickets without a policy (the column default)
BATCH = 200
RUNNING = (TicketStatus.NEW, TicketStatus.OPEN)  # pending is paused, solved is stopped


class Target(StrEnum):
    FIRST = "first"
    RESOLUTION = "resolution"


class Alert(StrEnum):
    WARN = "warn"
    BREACH = "breach"


@dataclass(frozen=True)
class _Columns:
    due: InstrumentedAttribute[datetime | None]
    done: InstrumentedAttribute[datetime | None]
    breached: InstrumentedAttribute[bool | None]
    warned: InstrumentedAttribute[bool]
    words: str


_COLUMNS = {
    Target.FIRST: _Columns(
        Ticket.first_response_due_at,
        Ticket.first_responded_at,
        Ticket.first_response_breached,
        Ticket.warned_first_response,
        "first response",
    ),
    Target.RESOLUTION: _Columns(
        Ticket.resolution_due_at,
        Ticket.resolved_at,
        Ticket.resolution_breached,
        Ticket.warned_resolution,
        "resolution",
    ),
}


@dataclass
class WatchReport:
    warned: int = 0
    breached: int = 0
    emails: int = 0
    tickets: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.warned} warned, {self.breached} breached, {self.emails} e-mails queued"


@dataclass(frozen=True)
class _Policy:
    warn_before: timedelta
    calendar: BusinessCalendar


def _open(cols: _Columns) -> ColumnElement[bool]:
    """This deadline is set, not met yet, and not yet marked breached."""
    return and_(
        cols.due.is_not(None),
        cols.done.is_(None),
        or_(cols.breached.is_(None), cols.breached.is_(False)),
    )


def _running() -> list[ColumnElement[bool]]:
    return [Ticket.status.in_(RUNNING), Ticket.sla_paused_at.is_(None)]


def _policies(session: Session) -> dict[int | None, _Policy]:
    """Warning lead and calendar per policy id (``None``: tickets without a policy)."""
    out: dict[int | None, _Policy] = {None: _Policy(DEFAULT_WARN_BEFORE, clock.ALWAYS_OPEN)}
    for policy in session.scalars(select(SlaPolicy)).all():
        out[policy.id] = _Policy(
            timedelta(minutes=policy.warn_before_minutes), clock.calendar_of(session, policy)
        )
    return out


def _horizons(policies: dict[int | None, _Policy], now: datetime) -> dict[int | None, datetime]:
    """The moment by which a deadline is close enough to warn, per policy."""
    return {pid: add_business_time(now, p.warn_before, p.calendar) for pid, p in policies.items()}


def _due_condition(
    cols: _Columns, now: datetime, horizons: dict[int | None, datetime]
) -> ColumnElement[bool]:
    warn = or_(
        *(
            and_(
                Ticket.sla_policy_id.is_(None) if pid is None else Ticket.sla_policy_id == pid,
                cols.due <= horizon,
            )
            for pid, horizon in horizons.items()
        )
    )
    return and_(_open(cols), or_(cols.due <= now, and_(cols.warned.is_(False), warn)))


def _candidates(
    session: Session, now: datetime, horizons: dict[int | None, datetime], after: int
) -> Sequence[Ticket]:
    stmt = (
        select(Ticket)
        .where(
            *_running(),
            Ticket.id > after,
            or_(*(_due_condition(cols, now, horizons) for cols in _COLUMNS.values())),
        )
        .order_by(Ticket.id)
        .limit(BATCH)
        .execution_options(populate_existing=True)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Ticket)
    return session.scalars(stmt).all()


def _claim(session: Session, ticket: Ticket, target: Target, alert: Alert) -> bool:
    """Set the flag only if nobody did: the winner, and only the winner, notifies."""
    cols = _COLUMNS[target]
    values: dict[Any, Any] = {cols.warned: true()}
    conds = [Ticket.id == ticket.id, *_running(), _open(cols)]
    if alert == Alert.BREACH:
        values[cols.breached] = true()
    else:
        conds.append(cols.warned.is_(False))
    result = session.execute(
        update(Ticket).where(*conds).values(values).execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        return False
    # Mirror the stored values without marking the ticket dirty (no second UPDATE).
    set_committed_value(ticket, cols.warned.key, True)
    if alert == Alert.BREACH:
        set_committed_value(ticket, cols.breached.key, True)
    return True


def _recipients(session: Session, ticket: Ticket) -> list[StaffUser]:
    """The assignee and their team lead; every manager when either link is missing."""
    people: list[StaffUser] = []
    lead_id = None
    if ticket.assignee_id is not None:
        assignee = session.get(StaffUser, ticket.assignee_id)
        if assignee is not None and assignee.is_active:
            people.append(assignee)
        slot = session.get(AgentAvailability, ticket.assignee_id)
        lead_id = slot.team_lead_id if slot is not None else None
    lead = session.get(StaffUser, lead_id) if lead_id is not None else None
    if lead is not None and lead.is_active:
        people.append(lead)
    else:
        people += session.scalars(
            select(StaffUser)
            .where(StaffUser.is_active, StaffUser.role.in_([Role.MANAGER, Role.ADMIN]))
            .order_by(StaffUser.id)
        ).all()
    unique = {p.id: p for p in people}
    return list(unique.values())


def _words(target: Target, alert: Alert, due: datetime, left: timedelta) -> tuple[str, str]:
    """A headline for the e-mail subject and a sentence for the ticket's event."""
    what = _COLUMNS[target].words
    if alert == Alert.BREACH:
        return f"SLA breached ({what})", f"SLA breached: no {what} by {due:%Y-%m-%d %H:%M} UTC"
    minutes = max(0, int(left.total_seconds() // 60))
    return (
        f"SLA warning ({what})",
        f"SLA warning: {what} due in {minutes} business minutes ({due:%Y-%m-%d %H:%M} UTC)",
    )


def _notify(
    session: Session,
    ticket: Ticket,
    target: Target,
    alert: Alert,
    *,
    now: datetime,
    policy: _Policy,
) -> int:
    due = getattr(ticket, _COLUMNS[target].due.key)
    headline, text = _words(target, alert, due, business_time_between(now, due, policy.calendar))
    people = _recipients(session, ticket)
    subject = masked_subject(ticket.subject)  # customer text, to staff: abuse masked
    session.add(
        Message(
            ticket_id=ticket.id,
            kind=MessageKind.EVENT,
            channel=ticket.channel,
            body=text,
            created_at=now,
            meta={
                "event": f"sla_{alert}",
                "target": str(target),
                "due_at": due.isoformat(),
                "notified": [p.id for p in people],
            },
        )
    )
    for person in people:
        outbox_service.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            dedup_key=f"sla-{alert}:{target}:{ticket.id}:{person.id}",
            payload={
                "to": person.email,
                "subject": f"[{ticket.reference}] {headline}: {subject}",
                "text": (
                    f"Hello {person.name},\n\n{text}.\n\n"
                    f"Ticket {ticket.reference}: {subject}\n"
                    f"Priority {ticket.priority}, status {ticket.status}.\n"
                ),
                "ticket_id": ticket.id,
            },
        )
    events.emit(
        session,
        event="ticket.sla_breached" if alert == Alert.BREACH else "ticket.sla_warning",
        data={
            "ticket_id": ticket.id,
            "reference": ticket.reference,
            "target": str(target),
            "due_at": due.isoformat(),
        },
    )
    return len(people)


def _alert_for(ticket: Ticket, target: Target, *, now: datetime, horizon: datetime) -> Alert | None:
    cols = _COLUMNS[target]
    due = getattr(ticket, cols.due.key)
    if due is None or getattr(ticket, cols.done.key) is not None:
        return None
    if getattr(ticket, cols.breached.key):
        return None
    if due <= now:
        return Alert.BREACH
    if not getattr(ticket, cols.warned.key) and due <= horizon:
        return Alert.WARN
    return None


def run(session: Session, *, now: datetime | None = None) -> WatchReport:
    """One pass over the open tickets; flushes, the caller commits."""
    now = now or utcnow()
    session.flush()  # the watch reads with SQL: changes made earlier in this unit must be there
    policies = _policies(session)
    horizons = _horizons(policies, now)
    report = WatchReport()
    after = 0
    while True:
        batch = _candidates(session, now, horizons, after)
        for ticket in batch:
            policy = policies.get(ticket.sla_policy_id, policies[None])
            horizon = horizons.get(ticket.sla_policy_id, horizons[None])
            for target in Target:
                alert = _alert_for(ticket, target, now=now, horizon=horizon)
                if alert is None or not _claim(session, ticket, target, alert):
                    continue
                report.emails += _notify(session, ticket, target, alert, now=now, policy=policy)
                report.tickets.append(ticket.id)
                if alert == Alert.BREACH:
                    report.breached += 1
                else:
                    report.warned += 1
        session.flush()
        if len(batch) < BATCH:
            return report
        after = batch[-1].id
