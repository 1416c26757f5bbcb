"""The goodwill pages over real HTTP with a signed-in browser session and CSRF tokens."""

from __future__ import annotations

import html
import json
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.goodwill import grants
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.goodwill.rules import GestureRequest
from tests.conftest import login
from tests.goodwill.helpers import make_ticket


def _token(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_agent_grants_in_one_click_and_is_told_the_limit_above_it(
    client: TestClient, session: Session, agent: StaffUser
) -> None:
    ticket = make_ticket(session, category="other", amount="200")
    login(client, agent)
    page = client.get(f"/goodwill/tickets/{ticket.id}")
    assert page.status_code == 200
    assert "Within your £50.00 limit: store credit £10.00" in html.unescape(page.text)
    form = {"csrf_token": _token(page.text), "remedy": "store_credit", "currency": "GBP"}
    over = client.post(f"/goodwill/tickets/{ticket.id}", data={**form, "amount": "90"})
    assert "£90.00 is above your £50.00 limit" in html.unescape(over.text)
    assert session.scalar(select(Gesture)) is None
    done = client.post(f"/goodwill/tickets/{ticket.id}", data={**form, "amount": "10"})
    assert "Granted under rule within_discretion:agent" in done.text
    asked = client.post(f"/goodwill/tickets/{ticket.id}",
                        data={**form, "amount": "90", "action": "request"})
    assert "Sent to a manager" in asked.text
    statuses = sorted(str(g.status) for g in session.scalars(select(Gesture)))
    assert statuses == ["granted", "pending"]
    assert client.get("/goodwill/policy").status_code == 403
    assert client.get("/goodwill/approvals").status_code == 403
    assert "My goodwill budget" in client.get("/goodwill/budget").text


def test_policy_editor_names_line_and_field_and_keeps_the_old_policy(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    login(client, manager)
    page = client.get("/goodwill/policy")
    assert page.status_code == 200 and "no_questions_asked" in page.text
    source = goodwill_service.default_source().replace("currency: GBP", "currency: pounds")
    bad = client.post("/goodwill/policy", data={"csrf_token": _token(page.text),
                                                "source": source})
    assert bad.status_code == 422
    assert "line 4, <code>currency</code>" in bad.text and "version 1 stays in force" in bad.text
    good = client.post("/goodwill/policy", data={
        "csrf_token": _token(page.text), "note": "same again",
        "source": goodwill_service.default_source()})
    assert "Saved as version 2" in good.text


def test_manager_approves_from_the_queue_and_sees_the_report(
    client: TestClient, session: Session, agent: StaffUser, manager: StaffUser
) -> None:
    ticket = make_ticket(session, category="billing", amount="90")
    pending = grants.request_approval(session, ticket_id=ticket.id, actor=agent,
                                      request=GestureRequest("refund", Decimal("90"), "GBP"))
    login(client, manager)
    queue = client.get("/goodwill/approvals")
    assert "£90.00 is above your £40.00 limit" in html.unescape(queue.text)
    done = client.post(f"/goodwill/approvals/{pending.id}", data={
        "csrf_token": _token(queue.text), "decision": "approve", "note": "fine"})
    assert "Approved" in done.text
    session.refresh(pending)
    assert pending.status == GestureStatus.GRANTED
    report = client.get("/goodwill/report")
    spec = json.loads(report.text.split('id="chart-gw-category">')[1].split("</script>")[0])
    assert spec["data"]["labels"] == ["billing"] and spec["data"]["datasets"][0]["data"] == [90.0]
    assert agent.name in client.get("/goodwill/budget").text
