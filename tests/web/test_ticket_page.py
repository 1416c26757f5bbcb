"""The ticket page: thread, composer, canned replies, controls, attachments and sidebar."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets import canned
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.intake import IncomingAttachment
from fairdesk.tickets.models import Attachment, Message, MessageKind, Ticket, TicketStatus
from tests.conftest import login
from tests.factories import make_customer, make_order, make_user
from tests.web.ticket_helpers import csrf_of, new_ticket


@pytest.fixture()
def staff(client: TestClient, agent: StaffUser) -> TestClient:
    login(client, agent)
    return client


@pytest.fixture()
def ticket(session: Session) -> Ticket:
    customer = make_customer(
        session, first_name="Grace", last_name="Hopper", country="US", lifecycle_status="active"
    )
    order = make_order(session, customer, external_id="ORD-42")
    return new_ticket(
        session,
        customer,
        subject="Kettle <b>broke</b>",
        body="It broke <script>alert(1)</script>",
        order_id=order.id,
        at=utcnow() - timedelta(hours=1),
    )


def _messages(session: Session, ticket: Ticket, kind: MessageKind) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.ticket_id == ticket.id, Message.kind == kind)
            .order_by(Message.id)
        ).all()
    )


def _post(client: TestClient, ticket: Ticket, action: str, **data: str) -> Response:
    token = csrf_of(client, f"/tickets/{ticket.id}")
    resp: Response = client.post(
        f"/tickets/{ticket.id}/{action}", data={"csrf_token": token, **data}, follow_redirects=False
    )
    return resp


def test_needs_login(client: TestClient, ticket: Ticket) -> None:
    for path in (f"/tickets/{ticket.id}", f"/tickets/{ticket.id}/attachments/1"):
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/login")


@pytest.mark.parametrize("path", ["/tickets/987654321", "/tickets/99999999999999999999"])
def test_unknown_ticket_is_a_clear_error(staff: TestClient, path: str) -> None:
    resp = staff.get(path)
    assert resp.status_code == 404 and "no ticket with id" in resp.text


def test_thread_shows_every_kind_distinctly_and_escaped(
    staff: TestClient, session: Session, ticket: Ticket, agent: StaffUser
) -> None:
    ticket_service.reply(session, ticket_id=ticket.id, author=agent, body="We are on it")
    ticket_service.reply(
        session, ticket_id=ticket.id, author=agent, body="Call the courier", internal=True
    )
    html = staff.get(f"/tickets/{ticket.id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert" not in html
    assert "Kettle &lt;b&gt;broke&lt;/b&gt;" in html
    assert re.search(r'class="msg msg-customer".*?Grace Hopper.*?It broke', html, re.S)
    assert re.search(
        r'class="msg msg-reply".*?' + re.escape(agent.name) + r".*?We are on it", html, re.S
    )
    assert re.search(r'class="msg msg-note".*?internal note.*?Call the courier', html, re.S)
    assert re.search(r'class="msg msg-event".*?Status new → pending', html, re.S)


def test_sidebar_profile_orders_other_tickets(
    staff: TestClient, session: Session, ticket: Ticket
) -> None:
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None
    other = new_ticket(session, customer, subject="Earlier question")
    stranger = new_ticket(session, make_customer(session), subject="Not theirs")
    html = staff.get(f"/tickets/{ticket.id}").text
    side = html.split('<aside class="ticket-side">')[1]
    assert f'<a href="/customers/{customer.id}">Grace Hopper</a>' in side
    assert "active" in side and ">US<" in side
    assert "ORD-42" in side and 'class="current"' in side
    assert f'<a href="/tickets/{other.id}">{other.reference}</a>' in side
    assert stranger.reference not in side and f'href="/tickets/{ticket.id}"' not in side


def test_public_reply_is_sent_audited_and_sets_status(
    staff: TestClient, session: Session, ticket: Ticket, agent: StaffUser
) -> None:
    resp = _post(
        staff,
        ticket,
        "reply",
        body="Hello Grace, a new kettle is on its way.",
        kind="reply",
        status_after="resolved",
    )
    assert resp.status_code == 303
    [reply] = _messages(session, ticket, MessageKind.REPLY)
    assert reply.author_staff_id == agent.id
    session.refresh(ticket)
    assert ticket.status == TicketStatus.RESOLVED and ticket.first_responded_at is not None
    mail = session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"reply:message:{reply.id}")
    )
    assert mail is not None and "new kettle" in mail.payload["text"]
    assert (
        session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "ticket.reply", AuditEntry.entity_id == str(ticket.id)
            )
        )
        is not None
    )
    page = staff.get(resp.headers["location"]).text
    assert "Reply sent to the customer." in page


def test_internal_note_is_never_mailed(staff: TestClient, session: Session, ticket: Ticket) -> None:
    before = session.scalar(select(func.count()).select_from(OutboxItem))
    resp = _post(
        staff, ticket, "reply", body="Customer sounds upset", kind="note", status_after="pending"
    )
    assert resp.status_code == 303
    [note] = _messages(session, ticket, MessageKind.NOTE)
    assert note.body == "Customer sounds upset"
    session.refresh(ticket)
    assert ticket.status == TicketStatus.NEW and ticket.first_responded_at is None
    assert session.scalar(select(func.count()).select_from(OutboxItem)) == before
    assert session.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.note")) is not None


def test_empty_reply_keeps_the_page_and_stores_nothing(
    staff: TestClient, session: Session, ticket: Ticket
) -> None:
    resp = _post(staff, ticket, "reply", body="   ", kind="reply", status_after="pending")
    assert resp.status_code == 422
    assert "the reply is empty" in resp.text
    assert _messages(session, ticket, MessageKind.REPLY) == []


def test_reply_without_csrf_is_refused(staff: TestClient, session: Session, ticket: Ticket) -> None:
    resp = staff.post(f"/tickets/{ticket.id}/reply", data={"body": "hi"})
    assert resp.status_code == 403
    assert _messages(session, ticket, MessageKind.REPLY) == []


def test_canned_link_prefills_the_composer(
    staff: TestClient, session: Session, ticket: Ticket, agent: StaffUser
) -> None:
    row = canned.create_canned(
        session,
        title="Replace",
        actor=agent,
        body="Hi {first_name}, order {order_number} is replaced. {agent_name}",
    )
    html = staff.get(f"/tickets/{ticket.id}", params={"canned": row.id}).text
    body = html.split('<textarea name="body" rows="9">')[1].split("</textarea>")[0]
    assert body == f"Hi Grace, order ORD-42 is replaced. {agent.name}"
    assert "Fill in before sending" not in html
    assert staff.get(f"/tickets/{ticket.id}", params={"canned": 999999}).status_code == 404


def test_canned_insert_keeps_the_draft_and_names_gaps(
    staff: TestClient, session: Session, agent: StaffUser
) -> None:
    ticket = new_ticket(session, make_customer(session, first_name="Lin"))
    row = canned.create_canned(
        session, title="Order", actor=agent, body="About order {order_number}."
    )
    resp = _post(
        staff,
        ticket,
        "compose",
        body="Dear Lin,",
        kind="note",
        status_after="open",
        canned=str(row.id),
    )
    assert resp.status_code == 200
    html = resp.text
    body = html.split('<textarea name="body" rows="9">')[1].split("</textarea>")[0]
    assert body == "Dear Lin,\n\nAbout order [order number]."
    assert "Fill in before sending: order number." in html
    assert 'value="note" checked' in html and 'value="open" selected' in html
    assert _messages(session, ticket, MessageKind.NOTE) == []  # nothing sent


def test_controls_change_only_what_changed(
    staff: TestClient, session: Session, ticket: Ticket, agent: StaffUser
) -> None:
    other = make_user(session, name="Other Agent")
    resp = _post(staff, ticket, "update", status="new", priority="high", assignee_id=str(other.id))
    assert resp.status_code == 303
    session.refresh(ticket)
    assert (ticket.priority, ticket.assignee_id, ticket.status) == ("high", other.id, "new")
    actions = set(
        session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity_type == "ticket", AuditEntry.entity_id == str(ticket.id)
            )
        ).all()
    )
    assert actions == {"ticket.priority", "ticket.assign"}
    again = _post(staff, ticket, "update", status="new", priority="high", assignee_id=str(other.id))
    assert again.status_code == 303
    assert "Nothing changed." in staff.get(f"/tickets/{ticket.id}").text
    _post(staff, ticket, "update", status="resolved", priority="high", assignee_id="none")
    session.refresh(ticket)
    assert ticket.status == "resolved" and ticket.assignee_id is None


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"status": "lost"}, "status"),
        ({"priority": "meh"}, "priority"),
        ({"assignee_id": "abc"}, "assignee_id"),
        ({"assignee_id": "987654"}, "no active staff user with id 987654"),
    ],
)
def test_bad_control_values_change_nothing(
    staff: TestClient, session: Session, ticket: Ticket, data: dict[str, str], says: str
) -> None:
    resp = _post(staff, ticket, "update", **{"status": "new", "priority": "normal", **data})
    assert resp.status_code == 422
    assert says in resp.text
    session.refresh(ticket)
    assert (ticket.status, ticket.priority, ticket.assignee_id) == ("new", "normal", None)


def test_attachments_download_inert(staff: TestClient, session: Session) -> None:
    files = [
        IncomingAttachment("evil.html", "text/html", b"<script>alert(1)</script>"),
        IncomingAttachment("pic.svg", "image/svg+xml", b"<svg onload=alert(1)/>"),
        IncomingAttachment("photo.png", "image/png", b"\x89PNG..."),
        IncomingAttachment('we"ird\r\nname.txt', "text/plain; charset=utf-8", b"hi"),
    ]
    ticket = new_ticket(session, make_customer(session), attachments=files)
    other = new_ticket(
        session,
        make_customer(session),
        attachments=[IncomingAttachment("x.txt", "text/plain", b"secret")],
    )
    atts = {
        a.filename: a
        for a in session.scalars(
            select(Attachment)
            .join(Message, Message.id == Attachment.message_id)
            .where(Message.ticket_id.in_([ticket.id, other.id]))
        ).all()
    }
    html = staff.get(f"/tickets/{ticket.id}").text
    for name in ("evil.html", "pic.svg", "photo.png"):
        assert f'href="/tickets/{ticket.id}/attachments/{atts[name].id}"' in html

    def get(name: str, ticket_id: int = ticket.id):  # type: ignore[no-untyped-def]
        return staff.get(f"/tickets/{ticket_id}/attachments/{atts[name].id}")

    for name in ("evil.html", "pic.svg"):
        resp = get(name)
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "application/octet-stream"
        assert resp.headers["content-disposition"].startswith("attachment;")
        assert "sandbox" in resp.headers["content-security-policy"]
    png = get("photo.png")
    assert png.headers["content-type"] == "image/png" and png.content == b"\x89PNG..."
    weird = get('we"ird\r\nname.txt')
    assert weird.headers["content-type"].startswith("text/plain")
    assert "\r" not in weird.headers["content-disposition"]
    assert 'filename="we_irdname.txt"' in weird.headers["content-disposition"]
    # Another ticket's file through this ticket's URL: not found, nothing sent.
    assert get("x.txt").status_code == 404
    assert get("x.txt", other.id).content == b"secret"
