"""Staff work on tickets: read, list by view, reply, note, change status, priority, assignee."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.db.text_search import ESCAPE, contains
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.feedback.surveys import service as surveys
from fairdesk.outbox import events
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind
from fairdesk.tickets import clock
from fairdesk.tickets.intake import new_message_id
from fairdesk.tickets.models import (
    OPEN_STATUSES,
    IntakeChannel,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketStatus,
)
from fairdesk.tickets.schemas import TicketUpdate
from fairdesk.triage.models import TicketTriage
from fairdesk.triage.result import UrgencyLevel


class InboxView(StrEnum):
    MINE = "mine"
    UNASSIGNED = "unassigned"
    DUE_SOON = "due_soon"
    BREACHED = "breached"
    OPEN = "open"
    ALL = "all"


class InboxSort(StrEnum):
    DUE = "due"
    NEWEST = "-created"
    OLDEST = "created"
    PRIORITY = "priority"
    URGENCY = "urgency"  # most urgent first (triage); untriaged tickets last
    SENTIMENT = "sentiment"  # most negative first (triage); untriaged tickets last


class SentimentBand(StrEnum):
    """How the customer feels now (their latest message's sentiment), for the inbox filter."""

    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    POSITIVE = "positive"


SENTIMENT_CUT = 0.2  # |sentiment| below this is neutral
DUE_SOON_WINDOW = timedelta(hours=2)
_PRIORITY_RANK = case(
    {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2, Priority.LOW: 3},
    value=Ticket.priority,
    else_=4,
)


@dataclass(frozen=True)
class InboxQuery:
    view: InboxView = InboxView.OPEN
    status: TicketStatus | None = None
    priority: Priority | None = None
    channel: IntakeChannel | None = None
    customer_id: int | None = None
    q: str | None = None
    sort: InboxSort = InboxSort.DUE
    urgency: UrgencyLevel | None = None  # the ticket's highest urgency level (triage)
    sentiment: SentimentBand | None = None
    abusive: bool = False  # only tickets with abuse toward staff (marked in the inbox)


def _next_due() -> ColumnElement[Any]:
    """The deadline that matters now: first response until answered, then resolution."""
    return case(
        (Ticket.first_responded_at.is_(None), Ticket.first_response_due_at),
        else_=Ticket.resolution_due_at,
    )


def breached_condition(now: datetime) -> ColumnElement[bool]:
    return and_(
        Ticket.status.in_(OPEN_STATUSES),
        Ticket.sla_paused_at.is_(None),
        or_(
            and_(Ticket.first_responded_at.is_(None), Ticket.first_response_due_at < now),
            Ticket.resolution_due_at < now,
        ),
    )


def _view_conditions(query: InboxQuery, viewer: StaffUser, now: datetime) -> list[Any]:
    conds: list[Any] = []
    open_only = Ticket.status.in_(OPEN_STATUSES)
    match query.view:
        case InboxView.MINE:
            conds += [Ticket.assignee_id == viewer.id, open_only]
        case InboxView.UNASSIGNED:
            conds += [Ticket.assignee_id.is_(None), open_only]
        case InboxView.DUE_SOON:
            due = _next_due()
            conds += [
                open_only,
                Ticket.sla_paused_at.is_(None),
                due >= now,
                due < now + DUE_SOON_WINDOW,
            ]
        case InboxView.BREACHED:
            conds.append(breached_condition(now))
        case InboxView.OPEN:
            conds.append(open_only)
        case InboxView.ALL:
            pass
    if query.status is not None:
        conds.append(Ticket.status == query.status)
    if query.priority is not None:
        conds.append(Ticket.priority == query.priority)
    if query.channel is not None:
        conds.append(Ticket.channel == query.channel)
    if query.customer_id is not None:
        conds.append(Ticket.customer_id == query.customer_id)
    conds += _triage_conditions(query)
    if query.q:
        term = query.q.strip()
        conds.append(
            or_(
                Ticket.reference == term.upper(),
                func.lower(Ticket.subject).like(contains(term.lower()), escape=ESCAPE),
            )
        )
    return conds


def triage_filters(query: InboxQuery) -> list[Any]:
    """The query's triage filters as conditions on the ticket's summary (``TicketTriage``)."""
    wanted: list[Any] = []
    if query.urgency is not None:
        wanted.append(TicketTriage.urgency_level == str(query.urgency))
    if query.sentiment is SentimentBand.NEGATIVE:
        wanted.append(TicketTriage.sentiment <= -SENTIMENT_CUT)
    elif query.sentiment is SentimentBand.POSITIVE:
        wanted.append(TicketTriage.sentiment >= SENTIMENT_CUT)
    elif query.sentiment is SentimentBand.NEUTRAL:
        wanted += [TicketTriage.sentiment > -SENTIMENT_CUT, TicketTriage.sentiment < SENTIMENT_CUT]
    if query.abusive:
        wanted.append(or_(TicketTriage.abusive, TicketTriage.threat))
    return wanted


def _triage_conditions(query: InboxQuery) -> list[Any]:
    """The triage filters on the ticket's summary: over all tickets, the matching summaries
    found through their own indexes (few of 100,000); in a narrower view, a look-up of each
    ticket's summary by its key (a few thousand probes, not a scan of every summary)."""
    wanted = triage_filters(query)
    if not wanted:
        return []
    if query.view is InboxView.ALL:
        return [Ticket.id.in_(select(TicketTriage.ticket_id).where(*wanted))]
    # Only the ticket is correlated: a page sorted by triage has the summary joined outside.
    own = select(TicketTriage.ticket_id).where(TicketTriage.ticket_id == Ticket.id, *wanted)
    return [own.correlate(Ticket.__table__).exists()]


def _triage_of(column: Any) -> ColumnElement[Any]:
    return select(column).where(TicketTriage.ticket_id == Ticket.id).scalar_subquery()


_SORTS: dict[InboxSort, tuple[Any, ...]] = {
    InboxSort.DUE: (_next_due().asc().nulls_last(), Ticket.id.asc()),
    InboxSort.NEWEST: (Ticket.created_at.desc(), Ticket.id.desc()),
    InboxSort.OLDEST: (Ticket.created_at.asc(), Ticket.id.asc()),
    InboxSort.PRIORITY: (_PRIORITY_RANK.asc(), Ticket.created_at.asc(), Ticket.id.asc()),
    InboxSort.URGENCY: (_triage_of(TicketTriage.urgency).desc().nulls_last(), Ticket.id.desc()),
    InboxSort.SENTIMENT: (_triage_of(TicketTriage.sentiment).asc().nulls_last(), Ticket.id.asc()),
}


def list_tickets(
    session: Session,
    *,
    query: InboxQuery,
    viewer: StaffUser,
    limit: int,
    offset: int,
    now: datetime | None = None,
) -> tuple[Sequence[Ticket], int]:
    conds = _view_conditions(query, viewer, now or utcnow())
    total = session.scalar(select(func.count()).select_from(Ticket).where(*conds)) or 0
    rows = session.scalars(
        select(Ticket).where(*conds).order_by(*_SORTS[query.sort]).limit(limit).offset(offset)
    ).all()
    return rows, total


def view_counts(
    session: Session, *, viewer: StaffUser, now: datetime | None = None
) -> dict[InboxView, int]:
    now = now or utcnow()
    return {
        view: session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(*_view_conditions(InboxQuery(view=view), viewer, now))
        )
        or 0
        for view in InboxView
    }


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"no ticket with id {ticket_id}", field="ticket_id")
    return ticket


def get_by_reference(session: Session, reference: str) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.reference == reference.upper()))
    if ticket is None:
        raise NotFound(f"no ticket {reference}", field="reference")
    return ticket


def thread(session: Session, ticket_id: int, *, include_internal: bool) -> Sequence[Message]:
    kinds = list(MessageKind) if include_internal else [MessageKind.CUSTOMER, MessageKind.REPLY]
    return session.scalars(
        select(Message)
        .where(Message.ticket_id == ticket_id, Message.kind.in_(kinds))
        .order_by(Message.created_at, Message.id)
    ).all()


def _event(session: Session, ticket: Ticket, text: str, now: datetime, **meta: Any) -> None:
    session.add(
        Message(
            ticket_id=ticket.id,
            kind=MessageKind.EVENT,
            channel=ticket.channel,
            body=text,
            created_at=now,
            meta=meta,
        )
    )


def reply(
    session: Session,
    *,
    ticket_id: int,
    author: StaffUser,
    body: str,
    internal: bool = False,
    status_after: TicketStatus | None = None,
    now: datetime | None = None,
) -> Message:
    """A public reply (e-mailed to the customer) or an internal note."""
    now = now or utcnow()
    if not body.strip():
        raise ValidationFailed("the reply is empty", field="body")
    ticket = get_ticket(session, ticket_id)
    if internal:
        note = Message(
            ticket_id=ticket.id,
            kind=MessageKind.NOTE,
            channel=ticket.channel,
            author_staff_id=author.id,
            body=body,
            created_at=now,
        )
        session.add(note)
        session.flush()
        return note
    customer = session.get(Customer, ticket.customer_id)
    message_id = new_message_id()
    message = Message(
        ticket_id=ticket.id,
        kind=MessageKind.REPLY,
        channel=ticket.channel,
        author_staff_id=author.id,
        body=body,
        created_at=now,
        email_message_id=message_id,
    )
    session.add(message)
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        due = ticket.first_response_due_at
        ticket.first_response_breached = bool(due and now > due)
    if ticket.assignee_id is None:
        ticket.assignee_id = author.id
    session.flush()
    if customer is not None and customer.email:
        last_in = session.scalar(
            select(Message.email_message_id)
            .where(Message.ticket_id == ticket.id, Message.email_message_id.is_not(None))
            .order_by(Message.id.desc())
            .offset(1)
            .limit(1)
        )
        outbox_service.enqueue(
            session,
            kind=OutboxKind.EMAIL,
            dedup_key=f"reply:message:{message.id}",
            fresh_key=True,  # names the message just inserted: nothing to look up
            payload={
                "to": customer.email,
                "subject": f"[{ticket.reference}] {ticket.subject}",
                "text": body,
                "message_id": message_id,
                "in_reply_to": last_in,
                "ticket_id": ticket.id,
            },
        )
    change_status(
        session, ticket=ticket, actor=author, status=status_after or TicketStatus.PENDING, now=now
    )
    events.emit(
        session,
        event="ticket.replied",
        data={"ticket_id": ticket.id, "reference": ticket.reference, "message_id": message.id},
    )
    return message


def change_status(
    session: Session,
    *,
    ticket: Ticket,
    actor: StaffUser | None,
    status: TicketStatus,
    now: datetime | None = None,
) -> None:
    """Move a ticket, keeping the SLA clock right: pending pauses, solved stops it."""
    now = now or utcnow()
    old = TicketStatus(ticket.status)
    if status == old:
        return
    if old == TicketStatus.PENDING:
        clock.resume(session, ticket, now=now)
    if status == TicketStatus.PENDING:
        clock.pause(ticket, now=now)
    if status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) and ticket.resolved_at is None:
        ticket.resolved_at = now
        due = ticket.resolution_due_at
        ticket.resolution_breached = bool(due and now > due)
        if ticket.first_responded_at is None:
            ticket.first_response_breached = bool(
                ticket.first_response_due_at and now > ticket.first_response_due_at
            )
    if status == TicketStatus.CLOSED:
        ticket.closed_at = now
    if status in OPEN_STATUSES:
        ticket.resolved_at = None
        ticket.closed_at = None
    ticket.status = status
    _event(session, ticket, f"Status {old} → {status}", now, event="status", old=old, new=status)
    if status == TicketStatus.RESOLVED:
        surveys.on_ticket_resolved(session, ticket=ticket, now=now)
    audit.record(
        session,
        actor=actor,
        action="ticket.status",
        entity_type="ticket",
        entity_id=ticket.id,
        details={"from": str(old), "to": str(status)},
    )
    events.emit(
        session,
        event="ticket.status_changed",
        data={
            "ticket_id": ticket.id,
            "reference": ticket.reference,
            "from": str(old),
            "to": str(status),
        },
    )


def update(
    session: Session,
    *,
    ticket_id: int,
    actor: StaffUser,
    data: TicketUpdate,
    now: datetime | None = None,
) -> Ticket:
    now = now or utcnow()
    ticket = get_ticket(session, ticket_id)
    changes = data.model_dump(exclude_unset=True)
    if "assignee_id" in changes:
        assign(session, ticket=ticket, actor=actor, assignee_id=changes["assignee_id"], now=now)
    if changes.get("priority") is not None and changes["priority"] != ticket.priority:
        old = ticket.priority
        ticket.priority = changes["priority"]
        clock.start(session, ticket, now=now)
        _event(session, ticket, f"Priority {old} → {ticket.priority}", now, event="priority")
        audit.record(
            session,
            actor=actor,
            action="ticket.priority",
            entity_type="ticket",
            entity_id=ticket.id,
            details={"from": str(old), "to": str(ticket.priority)},
        )
    if "category" in changes:
        ticket.category = changes["category"]
    if changes.get("status") is not None:
        change_status(session, ticket=ticket, actor=actor, status=changes["status"], now=now)
    session.flush()
    return ticket


def assign(
    session: Session,
    *,
    ticket: Ticket,
    actor: StaffUser | None,
    assignee_id: int | None,
    now: datetime,
) -> None:
    if assignee_id is not None:
        assignee = session.get(StaffUser, assignee_id)
        if assignee is None or not assignee.is_active:
            raise ValidationFailed(
                f"no active staff user with id {assignee_id}", field="assignee_id"
            )
    old = ticket.assignee_id
    ticket.assignee_id = assignee_id
    _event(
        session,
        ticket,
        "Assigned" if assignee_id else "Unassigned",
        now,
        event="assign",
        old=old,
        new=assignee_id,
    )
    audit.record(
        session,
        actor=actor,
        action="ticket.assign",
        entity_type="ticket",
        entity_id=ticket.id,
        details={"from": old, "to": assignee_id},
    )
