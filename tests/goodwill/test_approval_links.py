"""Approving or declining from the e-mail: signed, expiring links to a confirm page.

Real HTTP through the app with a browser-like session: the link needs a signed-in manager,
GET only shows the request, the POST confirm (with CSRF) decides it once, and tampered,
expired, foreign and used links are refused with a message that says so.
"""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.config import get_settings
from fairdesk.db.base import utcnow
from fairdesk.goodwill import approval_links, grants
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.goodwill.rules import GestureRequest
from fairdesk.outbox.models import OutboxItem
from fairdesk.tickets import portal
from tests.conftest import login
from tests.goodwill.helpers import make_ticket

LINK = re.compile(r"(?:Approve|Decline): \S+(/goodwill/approvals/link/\S+)")


def _ask(session: Session, agent: StaffUser, amount: str = "90") -> Gesture:
    ticket = make_ticket(session, category="other", amount="200")
    return grants.request_approval(
        session,
        ticket_id=ticket.id,
        actor=agent,
        request=GestureRequest("store_credit", Decimal(amount), "GBP"),
        note="loyal customer",
    )


def _links(session: Session, manager: StaffUser, gesture: Gesture) -> dict[str, str]:
    item = session.scalar(
        select(OutboxItem).where(
            OutboxItem.dedup_key == f"goodwill:approval:{gesture.id}:{manager.id}"
        )
    )
    assert item is not None and item.payload["to"] == manager.email
    paths = LINK.findall(item.payload["text"])
    assert len(paths) == 2
    return {"approve": paths[0], "decline": paths[1]}


def _b64(payload: object) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _status(session: Session, gesture: Gesture) -> GestureStatus:
    """The gesture's status as stored now (read again from the database)."""
    session.refresh(gesture)
    return GestureStatus(gesture.status)


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_the_link_needs_a_manager_login_then_one_confirm_approves(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    gesture = _ask(session, agent)
    path = _links(session, manager, gesture)["approve"]

    anonymous = client.get(path, follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/login?next={path}"

    login_page = client.get(anonymous.headers["location"])
    back = client.post(
        "/login",
        data={
            "email": manager.email,
            "password": "correct horse battery",
            "csrf_token": _csrf(login_page.text),
            "next": path,
        },
        follow_redirects=False,
    )
    assert back.headers["location"] == path

    page = client.get(path)
    text = html.unescape(page.text)
    assert page.status_code == 200
    assert "Store credit · £90.00" in text and f"Asked by {agent.name}" in text
    assert "Confirm: approve £90.00" in text
    assert _status(session, gesture) == GestureStatus.PENDING  # opening the link changed nothing

    no_csrf = client.post(path, data={})
    assert no_csrf.status_code == 403
    assert _status(session, gesture) == GestureStatus.PENDING

    done = client.post(path, data={"csrf_token": _csrf(page.text), "reason": "fine"})
    assert done.status_code == 200
    assert f"approved</strong> by {manager.name}" in done.text
    assert _status(session, gesture) == GestureStatus.GRANTED and gesture.approver_id == manager.id
    entry = session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "goodwill.approval.approve",
            AuditEntry.entity_id == str(gesture.id),
        )
    )
    assert entry is not None and entry.actor_id == manager.id
    assert entry.details["via"] == "email link"


def test_a_used_link_shows_who_decided_and_cannot_decide_again(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    gesture = _ask(session, agent)
    links = _links(session, manager, gesture)
    grants.decline(session, gesture_id=gesture.id, approver=manager, reason="Out of policy.")
    login(client, manager)

    for path in links.values():
        page = client.get(path)
        assert page.status_code == 200
        assert "Already decided: this link has been used" in page.text
        assert f"declined</strong> by {manager.name}" in page.text
        assert "Reason: Out of policy." in page.text
        assert "Confirm:" not in page.text

    again = client.post(links["approve"], data={"csrf_token": _csrf(page.text)})
    assert again.status_code == 409
    assert "already declined" in again.text
    assert _status(session, gesture) == GestureStatus.DECLINED


def test_decline_link_asks_for_the_reason_the_customer_reads(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    gesture = _ask(session, agent)
    path = _links(session, manager, gesture)["decline"]
    login(client, manager)
    page = client.get(path)
    assert "Reason the customer will read" in page.text
    empty = client.post(path, data={"csrf_token": _csrf(page.text), "reason": "  "})
    assert empty.status_code == 422 and "say why" in empty.text
    assert _status(session, gesture) == GestureStatus.PENDING
    done = client.post(
        path, data={"csrf_token": _csrf(page.text), "reason": "We replaced it last month."}
    )
    assert f"declined</strong> by {manager.name}" in done.text
    assert _status(session, gesture) == GestureStatus.DECLINED
    assert gesture.decision_note == "We replaced it last month."


def test_tampered_links_are_refused(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    gesture = _ask(session, agent)
    links = _links(session, manager, gesture)
    path = links["approve"]
    token = path.rsplit("/", 1)[1]
    _, stamp, signature = links["decline"].rsplit("/", 1)[1].split(".")
    login(client, manager)
    bad = [
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),  # signature changed
        token[: len(token) // 2],  # cut short
        f"{_b64([gesture.id, 'approve'])}.{stamp}.{signature}",  # decline link made "approve"
        f"{_b64([gesture.id + 1000, 'approve'])}.{stamp}.{signature}",  # another gesture
        portal.sign(ticket_id=gesture.ticket_id, customer_id=gesture.customer_id),  # other salt
    ]
    page = client.get(path)
    for forged in bad:
        shown = client.get(f"/goodwill/approvals/link/{forged}")
        assert shown.status_code == 403, forged
        assert "This approval link is not valid" in shown.text
        posted = client.post(
            f"/goodwill/approvals/link/{forged}", data={"csrf_token": _csrf(page.text)}
        )
        assert posted.status_code == 403
    assert _status(session, gesture) == GestureStatus.PENDING


def test_expired_links_are_refused(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    gesture = _ask(session, agent)
    age = timedelta(seconds=get_settings().approval_link_max_age_s + 60)
    old = approval_links.sign(gesture_id=gesture.id, decision="approve", now=utcnow() - age)
    login(client, manager)
    page = client.get(f"/goodwill/approvals/link/{old}")
    assert page.status_code == 410
    assert "This approval link has expired" in page.text
    posted = client.post(
        f"/goodwill/approvals/link/{old}",
        data={"csrf_token": _csrf(client.get("/goodwill/approvals").text)},
    )
    assert posted.status_code == 410
    assert _status(session, gesture) == GestureStatus.PENDING


def test_an_agent_cannot_use_a_managers_link(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    gesture = _ask(session, agent)
    path = _links(session, manager, gesture)["approve"]
    login(client, agent)
    assert client.get(path).status_code == 403
    assert _status(session, gesture) == GestureStatus.PENDING
