"""Intake: every message stored once, threaded only where it belongs, acknowledged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.customers.models import Customer
from fairdesk.outbox.models import OutboxItem, OutboxKind
from fairdesk.tickets.intake import Incoming, IncomingAttachment, receive
from fairdesk.tickets.models import (
    Attachment,
    IntakeChannel,
    Message,
    MessageKind,
    Priority,
    Ticket,
    TicketStatus,
)
from fairdesk.tickets.service import reply
from tests.factories import make_customer, make_user

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def _mail(email: str, body: str = "My order has not arrived", **kw: object) -> Incoming:
    return Incoming(
        channel=IntakeChannel.EMAIL,
        email=email,
        subject=kw.pop("subject", "Order"),  # type: ignore[arg-type]
        body=body,
        **kw,
    )  # type: ignore[arg-type]


def test_new_ticket_is_stored_acknowledged_and_due(session: Session) -> None:
    result = receive(session, _mail("New.Person@Example.com", name="New Person"), now=NOW)
    ticket = result.ticket
    assert result.created and ticket.reference.startswith("FD-")
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None and customer.email == "new.person@example.com"
    assert customer.first_name == "New"
    assert ticket.first_response_due_at == NOW + timedelta(hours=8)  # default normal target
    ack = session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"ack:ticket:{ticket.id}")
    )
    assert ack is not None and ack.kind == OutboxKind.EMAIL
    assert ticket.reference in ack.payload["subject"] and "8 hours" in ack.payload["text"]
    assert ticket.reference in result.acknowledgement


def test_same_email_twice_is_one_ticket(session: Session) -> None:
    first = receive(session, _mail("a@example.com", email_message_id="<m1@mail>"), now=NOW)
    again = receive(session, _mail("a@example.com", email_message_id="<m1@mail>"), now=NOW)
    assert again.duplicate and again.ticket.id == first.ticket.id
    count = session.scalar(
        select(func.count()).select_from(Message).where(Message.email_message_id == "<m1@mail>")
    )
    assert count == 1


def test_reply_threads_by_in_reply_to_and_reopens(session: Session) -> None:
    first = receive(session, _mail("b@example.com", email_message_id="<b1@mail>"), now=NOW)
    agent = make_user(session)
    out = reply(session, ticket_id=first.ticket.id, author=agent, body="We are on it", now=NOW)
    assert first.ticket.status == TicketStatus.PENDING and first.ticket.sla_paused_at == NOW
    later = NOW + timedelta(hours=2)
    second = receive(
        session,
        _mail(
            "b@example.com",
            body="Still nothing",
            email_message_id="<b2@mail>",
            in_reply_to=[out.email_message_id or ""],
        ),
        now=later,
    )
    assert not second.created and second.ticket.id == first.ticket.id
    assert second.ticket.status == TicketStatus.OPEN and second.ticket.sla_paused_at is None
    # the two hours waiting on the customer do not count against the resolution target
    assert second.ticket.resolution_due_at == NOW + timedelta(days=3, hours=2)


def test_subject_reference_threads_only_for_its_own_customer(session: Session) -> None:
    owner = receive(session, _mail("owner@example.com"), now=NOW).ticket
    ref_subject = f"Re: [{owner.reference}] Order"
    stranger = receive(
        session, _mail("stranger@example.com", body="I saw this", subject=ref_subject), now=NOW
    )
    assert stranger.created and stranger.ticket.id != owner.id
    own = receive(session, _mail("owner@example.com", body="more", subject=ref_subject), now=NOW)
    assert not own.created and own.ticket.id == owner.id
    texts = session.scalars(
        select(Message.body).where(
            Message.ticket_id == owner.id, Message.kind == MessageKind.CUSTOMER
        )
    ).all()
    assert "I saw this" not in texts


def test_in_reply_to_from_another_customer_opens_a_new_ticket(session: Session) -> None:
    owner = receive(session, _mail("o2@example.com", email_message_id="<o2@mail>"), now=NOW)
    other = receive(
        session,
        _mail("x2@example.com", email_message_id="<x2@mail>", in_reply_to=["<o2@mail>"]),
        now=NOW,
    )
    assert other.created and other.ticket.id != owner.ticket.id


def test_oversized_attachment_bounces_and_keeps_the_rest(session: Session) -> None:
    big = IncomingAttachment("video.mov", "video/quicktime", b"x" * (10 * 1024 * 1024 + 1))
    small = IncomingAttachment("receipt.pdf", "application/pdf", b"%PDF-1.4 tiny")
    result = receive(session, _mail("c@example.com", attachments=[big, small]), now=NOW)
    kept = session.scalars(
        select(Attachment.filename).where(Attachment.message_id == result.message.id)
    ).all()
    assert kept == ["receipt.pdf"]
    assert result.rejected_attachments and "video.mov" in result.rejected_attachments[0]
    assert result.message.body == "My order has not arrived"
    bounce = session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"bounce:message:{result.message.id}")
    )
    assert bounce is not None and "video.mov" in bounce.payload["text"]


def test_abusive_message_is_stored_like_any_other(session: Session) -> None:
    result = receive(
        session, _mail("d@example.com", body="You useless idiots, refund me NOW"), now=NOW
    )
    stored = session.get(Message, result.message.id)
    assert stored is not None and stored.body == "You useless idiots, refund me NOW"


def test_existing_customer_is_found_by_email_and_priority_sets_targets(session: Session) -> None:
    customer = make_customer(session, email="Known@Example.com")
    result = receive(
        session,
        Incoming(
            channel=IntakeChannel.WEB,
            email="known@example.com",
            subject="Charged twice",
            body="Please help",
            priority=Priority.URGENT,
        ),
        now=NOW,
    )
    assert result.ticket.customer_id == customer.id
    assert result.ticket.first_response_due_at == NOW + timedelta(hours=1)
    assert (
        session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.customer_id == customer.id)
        )
        == 1
    )
