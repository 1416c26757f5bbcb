"""The customer portal: one case per link, public messages only, never another's data."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.config import get_settings
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets import portal
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.intake import IncomingAttachment
from fairdesk.tickets.models import (
    Attachment,
    IntakeChannel,
    Message,
    MessageKind,
    Ticket,
    TicketStatus,
)
from tests.factories import make_customer
from tests.web.ticket_helpers import CSRF_RE, csrf_of, new_ticket, tamper


@dataclass
class Case:
    ticket: Ticket
    token: str
    public_file: Attachment
    note_file: Attachment


def _token_for(ticket: Ticket) -> str:
    return portal.sign(ticket_id=ticket.id, customer_id=ticket.customer_id)


def _file(session: Session, message_id: int, name: str, data: bytes) -> Attachment:
    att = Attachment(
        message_id=message_id,
        filename=name,
        content_type="text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
    )
    session.add(att)
    session.flush()
    return att


@pytest.fixture()
def case(session: Session, agent: StaffUser) -> Case:
    alice = make_customer(session, first_name="Alice")
    ticket = new_ticket(
        session,
        alice,
        subject="Lost parcel",
        body="Where is my parcel?",
        attachments=[IncomingAttachment("receipt.txt", "text/plain", b"paid")],
    )
    ticket_service.reply(session, ticket_id=ticket.id, author=agent, body="It is on its way.")
    note = ticket_service.reply(
        session,
        ticket_id=ticket.id,
        author=agent,
        internal=True,
        body="INTERNAL: courier blames the customer",
    )
    note_file = _file(session, note.id, "courier-notes.txt", b"staff only")
    public_file = session.scalars(
        select(Attachment)
        .join(Message)
        .where(Message.ticket_id == ticket.id, Attachment.filename == "receipt.txt")
    ).one()
    ack = session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"ack:ticket:{ticket.id}")
    )
    assert ack is not None
    found = re.search(r"/portal/t/(\S+)", ack.payload["text"])
    assert found is not None
    return Case(ticket, found.group(1), public_file, note_file)


def test_the_emailed_link_shows_the_public_thread_only(client: TestClient, case: Case) -> None:
    resp = client.get(f"/portal/t/{case.token}")
    assert resp.status_code == 200
    html = resp.text
    assert case.ticket.reference in html and "Lost parcel" in html
    assert "Where is my parcel?" in html and "It is on its way." in html
    assert "We have answered and are waiting for your reply." in html
    assert "INTERNAL" not in html and "courier" not in html
    assert "Status new" not in html and "Acknowledgement sent" not in html  # no events
    assert f"/portal/t/{case.token}/attachments/{case.public_file.id}" in html
    assert 'aria-label="main"' not in html  # no staff navigation
    assert resp.headers["cache-control"] == "no-store"


def test_customer_reply_lands_in_the_case(client: TestClient, session: Session, case: Case) -> None:
    page = client.get(f"/portal/t/{case.token}").text
    token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
    resp = client.post(
        f"/portal/t/{case.token}/reply",
        data={"csrf_token": token, "body": "Still not here <b>!</b>"},
        files=[("attachments", ("photo.txt", b"empty doorstep", "text/plain"))],
        follow_redirects=False,
    )
    assert resp.status_code == 303
    last = session.scalars(
        select(Message).where(Message.ticket_id == case.ticket.id).order_by(Message.id.desc())
    ).first()
    assert last is not None and last.kind == MessageKind.CUSTOMER
    assert last.channel == IntakeChannel.PORTAL and last.body == "Still not here <b>!</b>"
    session.refresh(case.ticket)
    assert case.ticket.status == TicketStatus.OPEN  # pending resumes on the customer's word
    html = client.get(resp.headers["location"]).text
    assert "Still not here &lt;b&gt;!&lt;/b&gt;" in html and "photo.txt" in html
    assert "your message was added" in html


def test_empty_reply_and_missing_csrf_store_nothing(
    client: TestClient, session: Session, case: Case
) -> None:
    def count() -> int:
        return len(
            session.scalars(select(Message.id).where(Message.ticket_id == case.ticket.id)).all()
        )

    before = count()
    assert client.post(f"/portal/t/{case.token}/reply", data={"body": "hi"}).status_code == 403
    page = client.get(f"/portal/t/{case.token}").text
    token = CSRF_RE.search(page).group(1)  # type: ignore[union-attr]
    resp = client.post(f"/portal/t/{case.token}/reply", data={"csrf_token": token, "body": " "})
    assert resp.status_code == 422 and "Write your message before sending." in resp.text
    assert count() == before


def test_attachments_only_public_and_only_this_case(
    client: TestClient, session: Session, case: Case
) -> None:
    got = client.get(f"/portal/t/{case.token}/attachments/{case.public_file.id}")
    assert got.status_code == 200 and got.content == b"paid"
    assert got.headers["content-disposition"].startswith("attachment;")
    note = client.get(f"/portal/t/{case.token}/attachments/{case.note_file.id}")
    assert note.status_code == 404 and b"staff only" not in note.content
    bob = make_customer(session)
    bobs = new_ticket(
        session, bob, attachments=[IncomingAttachment("b.txt", "text/plain", b"bob's secret")]
    )
    bobs_file = session.scalars(
        select(Attachment).join(Message).where(Message.ticket_id == bobs.id)
    ).one()
    cross = client.get(f"/portal/t/{case.token}/attachments/{bobs_file.id}")
    assert cross.status_code == 404 and b"bob's secret" not in cross.content


def test_a_link_for_x_never_opens_y(client: TestClient, session: Session, case: Case) -> None:
    alice_id = case.ticket.customer_id
    bob = make_customer(session)
    bobs = new_ticket(session, bob, subject="Bob's private matter")
    # Alice's identity with Bob's ticket id, genuinely signed: still refused.
    forged = portal.sign(ticket_id=bobs.id, customer_id=alice_id)
    for path in (f"/portal/t/{forged}", f"/portal/t/{forged}/attachments/1"):
        resp = client.get(path)
        assert resp.status_code == 403 and "private matter" not in resp.text
        assert "This link is not valid" in resp.text
    token = csrf_of(client, "/support")  # this browser's CSRF token is valid for any form
    before = session.scalars(select(Message.id).where(Message.ticket_id == bobs.id)).all()
    resp = client.post(f"/portal/t/{forged}/reply", data={"csrf_token": token, "body": "hi"})
    assert resp.status_code == 403
    assert session.scalars(select(Message.id).where(Message.ticket_id == bobs.id)).all() == before


def test_other_cases_are_own_and_signed_each(
    client: TestClient, session: Session, case: Case
) -> None:
    alice = session.get(Customer, case.ticket.customer_id)
    assert alice is not None
    older = new_ticket(session, alice, subject="Older question")
    bobs = new_ticket(session, make_customer(session), subject="Bob's case")
    html = client.get(f"/portal/t/{case.token}").text
    section = html.split('id="others-h"')[1]
    assert older.reference in section and bobs.reference not in html
    link = re.search(r'href="/portal/t/([^"]+)">' + older.reference, section)
    assert link is not None and link.group(1) != case.token
    assert portal.read(link.group(1)) == portal.PortalGrant(older.id, alice.id)
    opened = client.get(f"/portal/t/{link.group(1)}").text
    assert "Older question" in opened and case.ticket.reference in opened


@pytest.mark.parametrize("attachment_id", [0, 99999999, 2**63, 10**30])
def test_unknown_attachment_ids_are_404_never_500(
    client: TestClient, case: Case, attachment_id: int
) -> None:
    resp = client.get(f"/portal/t/{case.token}/attachments/{attachment_id}")
    assert resp.status_code == 404 and "No such attachment on this case." in resp.text


@pytest.mark.parametrize("token", ["", "x", "not.a.token", "WzEsMV0.abc.def", "%00", "a" * 500])
def test_tampered_or_garbage_links_are_refused_cleanly(
    client: TestClient, case: Case, token: str
) -> None:
    resp = client.get(f"/portal/t/{token}")
    assert resp.status_code in (403, 404)  # an empty token matches no route at all


def test_a_changed_character_is_refused(client: TestClient, case: Case) -> None:
    tampered = tamper(case.token, -1)
    resp = client.get(f"/portal/t/{tampered}")
    assert resp.status_code == 403 and "This link is not valid" in resp.text
    assert "Lost parcel" not in resp.text


def test_expired_link_is_410_and_a_fresh_one_goes_to_the_address_on_file(
    client: TestClient, session: Session, case: Case
) -> None:
    old = utcnow() - timedelta(seconds=get_settings().portal_link_max_age_s + 60)
    expired = portal.sign(ticket_id=case.ticket.id, customer_id=case.ticket.customer_id, now=old)
    resp = client.get(f"/portal/t/{expired}")
    assert resp.status_code == 410 and "This link has expired" in resp.text
    assert "Lost parcel" not in resp.text
    token = CSRF_RE.search(resp.text).group(1)  # type: ignore[union-attr]
    renewed = client.post("/portal/renew", data={"csrf_token": token, "token": expired})
    assert renewed.status_code == 200 and "Check your e-mail" in renewed.text
    mail = session.scalar(
        select(OutboxItem).where(
            OutboxItem.dedup_key.like(f"portal-link:ticket:{case.ticket.id}:%")
        )
    )
    alice = session.get(Customer, case.ticket.customer_id)
    assert mail is not None and alice is not None and mail.payload["to"] == alice.email
    fresh = re.search(r"/portal/t/(\S+)", mail.payload["text"])
    assert fresh is not None and client.get(f"/portal/t/{fresh.group(1)}").status_code == 200
    # A made-up token gets the same answer and sends nothing.
    before = session.scalars(select(OutboxItem.id)).all()
    same = client.post("/portal/renew", data={"csrf_token": token, "token": "forged.x.y"})
    assert same.status_code == 200 and "Check your e-mail" in same.text
    assert session.scalars(select(OutboxItem.id)).all() == before


def test_staff_routes_stay_closed_to_a_customer_with_a_link(client: TestClient, case: Case) -> None:
    client.get(f"/portal/t/{case.token}")  # the customer's browser session
    for path in (
        f"/tickets/{case.ticket.id}",
        "/inbox",
        f"/tickets/{case.ticket.id}/attachments/{case.note_file.id}",
    ):
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login")


def test_deleted_case_is_404(client: TestClient, session: Session, case: Case) -> None:
    ghost = _token_for(case.ticket)
    session.execute(delete(Ticket).where(Ticket.id == case.ticket.id))
    session.expunge_all()
    resp = client.get(f"/portal/t/{ghost}")
    assert resp.status_code == 404 and "This case no longer exists." in resp.text
