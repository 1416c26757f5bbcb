"""The public support form: stored before confirmed, errors named, nothing dropped."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.config import Settings
from fairdesk.customers.models import Customer
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets.models import Attachment, IntakeChannel, Message, Ticket
from tests.conftest import TEST_SECRET
from tests.factories import make_customer, make_order
from tests.web.ticket_helpers import csrf_of, new_ticket

LIMIT = 1000  # bytes per attachment, small so the test stays small
VALID = {"name": "Ann Bee", "subject": "Broken kettle", "body": "The kettle I bought leaks."}


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, secret_key=TEST_SECRET, attachment_max_bytes=LIMIT)


@pytest.fixture()
def email() -> str:
    """An address only this test writes from: its tickets are told apart from any others."""
    return f"ann.{uuid.uuid4().hex[:12]}@example.com"


def _submit(
    client: TestClient, email: str, *, files: list[tuple[str, Any]] | None = None, **fields: str
) -> Response:
    token = csrf_of(client, "/support")
    resp: Response = client.post(
        "/support",
        data={"csrf_token": token, **VALID, "email": email, **fields},
        files=files,
        follow_redirects=False,
    )
    return resp


def _tickets(session: Session, email: str) -> list[Ticket]:
    return list(
        session.scalars(
            select(Ticket)
            .join(Customer, Customer.id == Ticket.customer_id)
            .where(Customer.email == email)
            .order_by(Ticket.id)
        ).all()
    )


def test_form_is_public_and_protected(client: TestClient) -> None:
    html = client.get("/support").text
    assert 'action="/support"' in html and 'name="csrf_token"' in html
    assert 'enctype="multipart/form-data"' in html and 'name="website"' in html


def test_a_message_is_stored_then_acknowledged(
    client: TestClient, session: Session, email: str
) -> None:
    resp = _submit(client, email)
    assert resp.status_code == 303 and resp.headers["location"] == "/support/thanks"
    [ticket] = _tickets(session, email)
    assert ticket.channel == IntakeChannel.WEB and ticket.subject == "Broken kettle"
    assert ticket.tags == []
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None and customer.first_name == "Ann"
    thanks = client.get("/support/thanks").text
    assert ticket.reference in thanks and "within 8 hours" in thanks
    assert "/portal/t/" not in thanks  # the private link goes only to the mailbox
    ack = session.scalar(
        select(OutboxItem).where(OutboxItem.dedup_key == f"ack:ticket:{ticket.id}")
    )
    assert ack is not None and "/portal/t/" in ack.payload["text"]
    assert client.get("/support/thanks").status_code == 200  # a reload still shows it


def test_thanks_without_a_message_goes_to_the_form(client: TestClient) -> None:
    resp = client.get("/support/thanks", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/support"


@pytest.mark.parametrize(
    ("fields", "field", "says"),
    [
        ({"name": ""}, "Name", "this is required"),
        ({"email": "not-an-address"}, "E-mail", "enter an address such as name@example.com"),
        ({"subject": "   "}, "Subject", "this is required"),
        ({"subject": "s" * 301}, "Subject", "at most 300 characters"),
        ({"body": ""}, "Message", "this is required"),
        ({"order_number": "o" * 129}, "Order number", "at most 128 characters"),
    ],
)
def test_errors_name_the_field_and_keep_the_input(
    client: TestClient, session: Session, email: str, fields: dict[str, str], field: str, says: str
) -> None:
    typed = {"body": "<b>my words</b>", **fields}
    resp = _submit(client, typed.pop("email", email), **typed)
    assert resp.status_code == 422
    assert re.search(rf'class="field-error"[^>]*>{field}: [^<]*{says}', resp.text)
    if "body" not in fields:
        assert "&lt;b&gt;my words&lt;/b&gt;</textarea>" in resp.text
    assert 'value="Ann Bee"' in resp.text or fields.get("name") == ""
    assert _tickets(session, fields.get("email", email)) == []


@pytest.mark.parametrize("token", [None, "forged"])
def test_csrf_is_required(
    client: TestClient, session: Session, email: str, token: str | None
) -> None:
    client.get("/support")
    data = {**VALID, "email": email} | ({"csrf_token": token} if token else {})
    assert client.post("/support", data=data).status_code == 403
    assert _tickets(session, email) == []


def test_honeypot_hit_is_kept_and_tagged(client: TestClient, session: Session, email: str) -> None:
    assert _submit(client, email, website="http://spam.example").status_code == 303
    [ticket] = _tickets(session, email)
    assert ticket.tags == ["spam-suspect"]


def test_order_number_links_or_is_kept(client: TestClient, session: Session, email: str) -> None:
    customer = make_customer(session, email=email)
    order = make_order(session, customer, external_id=f"ORD-{email}")
    _submit(client, email, order_number=f"ORD-{email}")
    _submit(client, email, order_number="ORD-unknown")
    first, second = _tickets(session, email)
    assert first.order_id == order.id
    assert second.order_id is None
    msg = session.scalar(select(Message).where(Message.ticket_id == second.id))
    assert msg is not None and msg.meta["order_number"] == "ORD-unknown"


def test_attachments_kept_and_oversized_refused_without_losing_the_message(
    client: TestClient, session: Session, email: str
) -> None:
    files = [
        ("attachments", ("note.txt", b"small", "text/plain")),
        ("attachments", ("huge.bin", b"x" * (LIMIT + 1), "application/octet-stream")),
    ]
    assert _submit(client, email, files=files).status_code == 303
    [ticket] = _tickets(session, email)
    stored = session.scalars(
        select(Attachment.filename)
        .join(Message, Message.id == Attachment.message_id)
        .where(Message.ticket_id == ticket.id)
    ).all()
    assert stored == ["note.txt"]
    msg = session.scalar(select(Message).where(Message.ticket_id == ticket.id))
    assert msg is not None and "huge.bin" in msg.meta["rejected_attachments"][0]
    thanks = client.get("/support/thanks").text
    assert ticket.reference in thanks and "huge.bin (larger than" in thanks


def test_too_many_files_is_a_named_error(client: TestClient, session: Session, email: str) -> None:
    files = [("attachments", (f"f{i}.txt", b"x", "text/plain")) for i in range(6)]
    resp = _submit(client, email, files=files)
    assert resp.status_code == 422 and "Attachments: attach at most 5 files" in resp.text
    assert "Attach your files again" in resp.text and _tickets(session, email) == []


def test_another_persons_address_reveals_nothing_of_theirs(
    client: TestClient, session: Session, email: str
) -> None:
    victim = make_customer(session, email=email)
    private = new_ticket(session, victim, subject="My private medical order")
    assert _submit(client, email).status_code == 303
    thanks = client.get("/support/thanks").text
    assert private.reference not in thanks and "medical" not in thanks
    assert "/portal/t/" not in thanks
    assert len(_tickets(session, email)) == 2
