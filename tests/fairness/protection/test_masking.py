"""Abusive words are masked in every staff view, shown after one audited reveal, and the
original is kept; the customer sees their own words; reveals refused where they must be."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.fairness.protection import masking
from fairdesk.personas import service as persona_service
from fairdesk.tickets import portal
from fairdesk.tickets.models import Message
from fairdesk.triage.cases import forget_indexes
from tests.conftest import login
from tests.factories import make_customer, make_token, make_user
from tests.fairness.protection.helpers import ABUSIVE, INSULT, audits, csrf, write
from tests.triage.helpers import resolved


def test_ticket_thread_masked_until_an_audited_reveal(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    customer = make_customer(session)
    made = write(session, customer)
    login(client, agent)
    url = f"/tickets/{made.ticket.id}"
    html = client.get(url).text
    assert INSULT not in html and "useless" not in html
    assert "•••••" in html and "⚠ abusive toward staff" in html
    assert "Reveal the hidden words" in html
    assert audits(session, "message.reveal") == []

    token = csrf(client, url)
    shown = client.post(f"{url}/messages/{made.message.id}/reveal", data={"csrf_token": token})
    assert shown.status_code == 200
    assert "you useless idiot" in shown.text
    assert "this reveal is logged" in shown.text
    [entry] = audits(session, "message.reveal")
    assert entry.actor_id == agent.id and entry.entity_id == str(made.message.id)
    assert entry.details["via"] == "page" and entry.details["ticket_id"] == made.ticket.id
    session.expire_all()
    assert session.get(Message, made.message.id).body == ABUSIVE  # type: ignore[union-attr]
    # The next plain view is masked again.
    assert INSULT not in client.get(url).text


def test_reveal_needs_csrf_and_a_real_message_of_this_ticket(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    customer = make_customer(session)
    made = write(session, customer)
    other = write(session, make_customer(session), "Hello, a question about sizes please.")
    login(client, agent)
    url = f"/tickets/{made.ticket.id}"
    token = csrf(client, url)
    assert client.post(f"{url}/messages/{made.message.id}/reveal").status_code == 403
    missing = client.post(f"{url}/messages/999999999/reveal", data={"csrf_token": token})
    assert missing.status_code == 404 and "no message with id 999999999" in missing.text
    elsewhere = client.post(f"{url}/messages/{other.message.id}/reveal", data={"csrf_token": token})
    assert elsewhere.status_code == 404
    assert audits(session, "message.reveal") == []


def test_a_customer_link_cannot_reveal(client: TestClient, session: Session) -> None:
    customer = make_customer(session)
    made = write(session, customer)
    token = portal.sign(ticket_id=made.ticket.id, customer_id=customer.id)
    # The customer's own page shows their own words, unmasked.
    page = client.get(f"/portal/t/{token}")
    assert page.status_code == 200 and INSULT in page.text and "Reveal" not in page.text
    # No staff session: the staff reveal refuses (sign-in), with or without the portal token.
    form = csrf(client, f"/portal/t/{token}")
    for url in (
        f"/tickets/{made.ticket.id}/messages/{made.message.id}/reveal",
        f"/tickets/{made.ticket.id}/messages/{made.message.id}/reveal?token={token}",
    ):
        resp = client.post(url, data={"csrf_token": form}, follow_redirects=False)
        assert resp.status_code in (303, 401, 403), resp.status_code
        assert INSULT not in resp.text
    assert client.post(
        f"/portal/t/{token}/messages/{made.message.id}/reveal", data={"csrf_token": form}
    ).status_code in (404, 405)
    assert audits(session, "message.reveal") == []


def test_inbox_and_customer_page_mask_previews_and_mark_abuse(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    customer = make_customer(session)
    made = write(session, customer, subject="You idiot, where is it")
    login(client, agent)
    inbox = client.get("/inbox?view=all").text
    assert made.ticket.reference in inbox
    assert INSULT not in inbox and "useless" not in inbox
    assert "⚠ <span>abusive</span>" in inbox
    page = client.get(f"/customers/{customer.id}").text
    assert made.ticket.reference in page
    assert INSULT not in page and "⚠ <span>abusive</span>" in page


def test_api_reads_are_masked_unless_revealed_and_audited(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    headers = {"Authorization": f"Bearer {make_token(session, agent)}"}
    customer = make_customer(session)
    made = write(session, customer, subject="You idiot")
    url = f"/api/v1/tickets/{made.ticket.id}"
    assert INSULT not in client.get(url, headers=headers).json()["subject"]
    listed = client.get(f"/api/v1/tickets?customer_id={customer.id}", headers=headers).json()
    assert INSULT not in listed["items"][0]["subject"]
    masked = client.get(f"{url}/messages", headers=headers).json()
    own = [m for m in masked if m["kind"] == "customer"]
    assert own[0]["masked"] is True and INSULT not in own[0]["body"]
    assert audits(session, "message.reveal") == []
    revealed = client.get(f"{url}/messages?reveal=1", headers=headers).json()
    own = [m for m in revealed if m["kind"] == "customer"]
    assert own[0]["body"] == ABUSIVE and own[0]["masked"] is False
    [entry] = audits(session, "message.reveal")
    assert entry.actor_id == agent.id and entry.details["via"] == "api"


def test_similar_cases_sidebar_masks_the_past_subject(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    forget_indexes()
    old = resolved(
        session,
        agent,
        "parcel late again where is the parcel",
        answer="Re-sent it today.",
        subject="idiot courier lost my parcel",
    )
    made = write(session, make_customer(session), "My parcel is late again, where is it?")
    login(client, agent)
    html = client.get(f"/tickets/{made.ticket.id}").text
    assert old.reference in html and "Re-sent it today." in html
    assert INSULT not in html
    forget_indexes()


def test_personas_never_quote_abuse(session: Session) -> None:
    customer = make_customer(session)
    write(session, customer)
    write(session, customer, "The kettle arrived dented and I would like a replacement please.")
    _, quotes = persona_service._material(session)
    texts = [q.text for q in quotes if q.customer_id == customer.id]
    assert any("kettle" in t for t in texts)
    assert not any(INSULT in t for t in texts)
    # Untriaged text (an import) is scanned before it may be quoted.
    assert not masking.quotable("listen you stupid cow", abusive=None)
    assert masking.quotable("the parcel is late", abusive=None)


def test_staff_sla_email_masks_the_subject(session: Session) -> None:
    from datetime import timedelta

    from sqlalchemy import select

    from fairdesk.outbox.models import OutboxItem
    from fairdesk.tickets import sla_watch

    manager = make_user(session, role=Role.MANAGER)
    made = write(session, make_customer(session), subject="You idiot, refund me")
    made.ticket.first_response_due_at = made.ticket.created_at + timedelta(minutes=1)
    session.flush()
    sla_watch.run(session, now=made.ticket.created_at + timedelta(hours=2))
    mails = [
        o.payload
        for o in session.scalars(select(OutboxItem))
        if o.payload.get("to") == manager.email
    ]
    assert mails, "the breach is e-mailed to the manager"
    assert all(INSULT not in m["subject"] and INSULT not in m["text"] for m in mails)
