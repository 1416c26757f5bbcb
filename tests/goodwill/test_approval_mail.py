"""The approval e-mail through the outbox to a real SMTP server, and its link followed."""

from __future__ import annotations

import re
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from fairdesk.app import create_app
from fairdesk.auth.models import Role, StaffUser
from fairdesk.config import Settings
from fairdesk.db.session import unit_of_work
from fairdesk.goodwill import approval_links, grants
from fairdesk.goodwill.rules import GestureRequest
from fairdesk.outbox import worker
from tests.conftest import TEST_SECRET, login
from tests.factories import make_user
from tests.goodwill.helpers import make_ticket
from tests.outbox.smtp_sink import smtp_sink


def test_managers_get_an_email_whose_links_open_the_confirm_page(committed_db: Engine) -> None:
    with unit_of_work(committed_db) as session:
        manager = make_user(session, role=Role.MANAGER, name="Mia Manager")
        other = make_user(session, role=Role.MANAGER, name="Max Manager")
        agent = make_user(session, role=Role.AGENT, name="Sam Agent")
        ticket = make_ticket(session, category="other", amount="200")
        gesture = grants.request_approval(
            session,
            ticket_id=ticket.id,
            actor=agent,
            request=GestureRequest("store_credit", Decimal("90"), "GBP"),
        )
        gesture_id, reference, manager_email = gesture.id, ticket.reference, manager.email
        other_email = other.email
    settings = Settings(mail_backend="smtp", smtp_host="127.0.0.1", smtp_timeout_s=5)
    with smtp_sink() as (sink, port):
        report = worker.run_once(
            committed_db, settings=settings.model_copy(update={"smtp_port": port})
        )
    assert report.failed == 0
    mails = {m["To"]: m for m in sink.messages}
    assert {manager_email, other_email} <= set(mails)
    mail = mails[manager_email]
    assert mail["Subject"] == f"[{reference}] Goodwill approval needed: Store credit £90.00"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert "Sam Agent asks you to approve Store credit of £90.00" in text
    found = dict(re.findall(r"(Approve|Decline): (http\S+)", text))
    assert set(found) == {"Approve", "Decline"}
    for word, url in found.items():
        token = url.rsplit("/goodwill/approvals/link/", 1)[1]
        link = approval_links.read(token)
        assert (link.gesture_id, link.decision) == (gesture_id, word.lower())

    app = create_app(Settings(secret_key=TEST_SECRET), committed_db)
    with (
        TestClient(app, base_url="http://testserver") as client,
        unit_of_work(committed_db) as session,
    ):
        user = session.get(StaffUser, manager.id)
        assert user is not None
        login(client, user)
        path = "/goodwill/approvals/link/" + found["Approve"].rsplit("/", 1)[1]
        page = client.get(path)
    assert page.status_code == 200
    assert "Confirm: approve £90.00" in page.text
