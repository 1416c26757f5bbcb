"""Every channel (web form, portal, e-mail, API) ends here: store, thread, acknowledge.

A message is stored — with its acknowledgement queued in the outbox — inside the caller's
transaction, so the channel answers "received" (HTTP 201, SMTP 250) only after a commit.
Nothing is dropped here: abusive text is stored like any other and masked later for staff.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.config import get_settings
from fairdesk.customers.models import Customer, LifecycleStatus, Order
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound
from fairdesk.fairness.protection import routing as protection_routing
from fairdesk.outbox import events
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind
from fairdesk.tickets import clock, portal
from fairdesk.tickets.models import (
    Attachment,
    IntakeChannel,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketStatus,
)
from fairdesk.triage import service as triage_service

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
REFERENCE_RE = re.compile(r"\[?\b(FD-[A-HJ-NP-Z2-9]{8})\b\]?")


@dataclass(frozen=True)
class IncomingAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Incoming:
    """One customer message as any channel hands it over."""

    channel: IntakeChannel
    body: str
    subject: str = ""
    email: str | None = None
    name: str | None = None
    customer_id: int | None = None
    external_id: str | None = None
    priority: Priority = Priority.NORMAL
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    order_external_id: str | None = None
    email_message_id: str | None = None
    in_reply_to: list[str] = field(default_factory=list)
    attachments: list[IncomingAttachment] = field(default_factory=list)
    into_ticket_id: int | None = None  # portal replies name their ticket explicitly


@dataclass
class IntakeResult:
    ticket: Ticket
    message: Message
    created: bool  # a new ticket rather than a reply threaded into one
    duplicate: bool = False  # the same e-mail was delivered before
    rejected_attachments: list[str] = field(default_factory=list)
    acknowledgement: str = ""


def new_reference() -> str:
    return "FD-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def new_message_id() -> str:
    return f"<{uuid.uuid4().hex}@{get_settings().mail_domain}>"


def _split_name(name: str | None) -> tuple[str, str]:
    parts = (name or "").strip().split(None, 1)
    return (parts[0] if parts else "", parts[1] if len(parts) > 1 else "")


def resolve_customer(session: Session, incoming: Incoming) -> tuple[Customer, bool]:
    """Find the writer by id, external id or e-mail; anyone else becomes a new customer.

    Also says whether the customer was created here (a first contact has no history).
    """
    if incoming.customer_id is not None:
        found = session.get(Customer, incoming.customer_id)
        if found is None:
            raise NotFound(f"no customer with id {incoming.customer_id}", field="customer.id")
        return found, False
    if incoming.external_id is not None:
        found = session.scalar(select(Customer).where(Customer.external_id == incoming.external_id))
        if found is not None:
            return found, False
        if incoming.email is None:
            raise NotFound(
                f"no customer with external_id {incoming.external_id!r}",
                field="customer.external_id",
            )
    email = (incoming.email or "").strip().lower()
    found = session.scalar(
        select(Customer).where(func.lower(Customer.email) == email).order_by(Customer.id).limit(1)
    )
    if found is not None:
        return found, False
    first, last = _split_name(incoming.name)
    customer = Customer(
        email=email,
        first_name=first,
        last_name=last,
        external_id=incoming.external_id,
        lifecycle_status=LifecycleStatus.LEAD,
        preferred_channel="email" if incoming.channel == IntakeChannel.EMAIL else "web",
    )
    session.add(customer)
    session.flush()
    return customer, True


def _thread_target(session: Session, incoming: Incoming, customer: Customer) -> Ticket | None:
    """The ticket a reply belongs to, or None for a new ticket.

    Message-ID headers are unguessable, so a match there threads. A reference in the subject
    threads only when the sender is that ticket's own customer: quoting somebody else's
    reference must never put text into their case.
    """
    if incoming.into_ticket_id is not None:
        return session.get(Ticket, incoming.into_ticket_id)
    if incoming.in_reply_to:
        ticket_id = session.scalar(
            select(Message.ticket_id)
            .where(Message.email_message_id.in_(incoming.in_reply_to))
            .limit(1)
        )
        if ticket_id is not None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None and ticket.customer_id == customer.id:
                return ticket
    for ref in REFERENCE_RE.findall(incoming.subject or ""):
        ticket = session.scalar(select(Ticket).where(Ticket.reference == ref))
        if ticket is not None and ticket.customer_id == customer.id:
            return ticket
    return None


def _store_attachments(
    session: Session, message: Message, attachments: list[IncomingAttachment]
) -> list[str]:
    """Keep each attachment within the size limit; name the ones refused."""
    limit = get_settings().attachment_max_bytes
    rejected = []
    for att in attachments:
        if len(att.data) > limit:
            rejected.append(f"{att.filename} ({len(att.data):,} bytes; the limit is {limit:,})")
            continue
        session.add(
            Attachment(
                message_id=message.id,
                filename=att.filename[:255] or "attachment",
                content_type=att.content_type[:127],
                size=len(att.data),
                sha256=hashlib.sha256(att.data).hexdigest(),
                data=att.data,
            )
        )
    return rejected


def _ack_event(ticket: Ticket, customer: Customer, now: datetime) -> Message | None:
    """The thread's record of the acknowledgement e-mail, with the Message-ID replies quote.

    Added with the customer's message so that both go in one INSERT.
    """
    if not customer.email:
        return None
    return Message(
        ticket_id=ticket.id,
        kind=MessageKind.EVENT,
        channel=IntakeChannel.EMAIL,
        body=f"Acknowledgement sent to {customer.email}",
        created_at=now,
        email_message_id=new_message_id(),
        meta={"event": "acknowledged"},
    )


def _queue_ack(
    session: Session, ticket: Ticket, customer: Customer, promise: str, event: Message
) -> None:
    """Acknowledge a new ticket by e-mail; the key names this new ticket, so no look-up."""
    settings = get_settings()
    outbox_service.enqueue(
        session,
        kind=OutboxKind.EMAIL,
        fresh_key=True,
        flush=False,
        dedup_key=f"ack:ticket:{ticket.id}",
        payload={
            "to": customer.email,
            "subject": f"[{ticket.reference}] We received your message: {ticket.subject}",
            "text": (
                f"Hello {customer.first_name or 'there'},\n\n"
                f"Thank you for writing to {settings.business_name}. Your case reference is "
                f"{ticket.reference}. A person will answer you {promise}.\n\n"
                "Reply to this e-mail to add anything; it goes straight into your case.\n"
                f"Follow your case and reply online: {portal.link_for(ticket)}\n"
            ),
            "message_id": event.email_message_id,
            "ticket_id": ticket.id,
        },
    )


def _queue_bounce(
    session: Session, message: Message, customer: Customer, ticket: Ticket, rejected: list[str]
) -> None:
    if not customer.email:
        return
    outbox_service.enqueue(
        session,
        kind=OutboxKind.EMAIL,
        dedup_key=f"bounce:message:{message.id}",
        payload={
            "to": customer.email,
            "subject": f"[{ticket.reference}] An attachment could not be accepted",
            "text": (
                "We received your message, but these attachments were too large to keep:\n"
                + "\n".join(f"  - {r}" for r in rejected)
                + "\n\nThe rest of your message is in your case. You can send smaller "
                "files or links instead.\n"
            ),
            "ticket_id": ticket.id,
        },
    )


def receive(session: Session, incoming: Incoming, *, now: datetime | None = None) -> IntakeResult:
    """Store one customer message, as a new ticket or threaded into its ticket."""
    now = now or utcnow()
    if incoming.email_message_id:
        seen = session.scalar(
            select(Message).where(Message.email_message_id == incoming.email_message_id)
        )
        if seen is not None:
            ticket = session.get(Ticket, seen.ticket_id)
            assert ticket is not None
            return IntakeResult(ticket=ticket, message=seen, created=False, duplicate=True)
    customer, first_contact = resolve_customer(session, incoming)
    ticket = _thread_target(session, incoming, customer)
    created = ticket is None
    if ticket is None:
        order_id = None
        if incoming.order_external_id:
            order_id = session.scalar(
                select(Order.id).where(
                    Order.external_id == incoming.order_external_id,
                    Order.customer_id == customer.id,
                )
            )
        ticket = Ticket(
            reference=new_reference(),
            customer_id=customer.id,
            channel=incoming.channel,
            subject=(incoming.subject or "(no subject)")[:300],
            priority=incoming.priority,
            category=incoming.category,
            tags=list(incoming.tags),
            order_id=order_id,
            created_at=now,
            status=TicketStatus.NEW,
            last_customer_message_at=now,
        )
        # Due times and assignee are known before the first flush: one INSERT, no UPDATE.
        clock.start(session, ticket, now=now)
        if get_settings().auto_assign:
            # Round-robin, narrowed by staff protection (senior queue, abuse spread).
            protection_routing.assign(session, ticket, now=now, first_contact=first_contact)
        session.add(ticket)
        session.flush()
    else:
        _reopen_on_customer_reply(session, ticket, now=now)
        ticket.last_customer_message_at = now
    message = Message(
        ticket_id=ticket.id,
        kind=MessageKind.CUSTOMER,
        channel=incoming.channel,
        body=incoming.body,
        created_at=now,
        email_message_id=incoming.email_message_id,
        meta={},  # set like the acknowledgement's, so both rows go in one batched INSERT
    )
    session.add(message)
    ack_event = _ack_event(ticket, customer, now) if created else None
    if ack_event is not None:
        session.add(ack_event)
    session.flush()  # both messages in one INSERT
    # Triage in the intake path: the inbox can sort by urgency and mask abuse at once.
    if created:
        triage_service.triage_first_message(session, message)
    else:
        triage_service.triage_message(session, message.id)
    rejected = _store_attachments(session, message, incoming.attachments)
    if rejected:
        message.meta = {"rejected_attachments": rejected}
        _queue_bounce(session, message, customer, ticket, rejected)
    promise = clock.promised_response(session, ticket)
    ack = (
        f"We received your message. Your reference is {ticket.reference}; "
        f"a person will answer you {promise}."
    )
    if ack_event is not None:
        _queue_ack(session, ticket, customer, promise, ack_event)
    events.emit(
        session,
        event="ticket.created" if created else "ticket.customer_replied",
        data={
            "ticket_id": ticket.id,
            "reference": ticket.reference,
            "message_id": message.id,
            "channel": str(incoming.channel),
        },
        flush=False,
    )
    session.flush()  # triage, acknowledgement and webhook rows: one INSERT per table
    return IntakeResult(
        ticket=ticket,
        message=message,
        created=created,
        rejected_attachments=rejected,
        acknowledgement=ack,
    )


def _reopen_on_customer_reply(session: Session, ticket: Ticket, *, now: datetime) -> None:
    """A customer writing again restarts the work: pending resumes, solved reopens."""
    if ticket.status == TicketStatus.PENDING:
        clock.resume(session, ticket, now=now)
        ticket.status = TicketStatus.OPEN
    elif ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED):
        ticket.status = TicketStatus.OPEN
        ticket.resolved_at = None
        ticket.closed_at = None
        tags = list(ticket.tags)
        if "reopened" not in tags:
            ticket.tags = [*tags, "reopened"]
        session.add(
            Message(
                ticket_id=ticket.id,
                kind=MessageKind.EVENT,
                channel=ticket.channel,
                body="Reopened by the customer's reply",
                created_at=now,
                meta={"event": "reopened"},
            )
        )
