"""The triage API over real HTTP: analyse, per-message and per-ticket triage, reveal, similar."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.triage.cases import forget_indexes
from tests.triage.helpers import resolved

BODY = "This f***ing parcel is late again, you idiot. I need it by Friday for a wedding!"


def _create(client: TestClient, headers: dict[str, str], body: str = BODY) -> dict[str, int]:
    resp = client.post(
        "/api/v1/tickets",
        json={"customer": {"email": "angry@example.com"}, "subject": "Late", "body": body},
        headers=headers,
    )
    assert resp.status_code == 201, resp.text
    ticket_id = resp.json()["id"]
    messages = client.get(f"/api/v1/tickets/{ticket_id}/messages", headers=headers).json()
    customer = [m for m in messages if m["kind"] == "customer"]
    return {"ticket": ticket_id, "message": customer[0]["id"]}


def test_analyze_any_text(client: TestClient, api_headers: dict[str, str]) -> None:
    resp = client.post("/api/v1/triage/analyze", json={"text": BODY}, headers=api_headers)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["tone"] == "abusive" and data["abusive"] and not data["threat"]
    assert "deadline" in data["urgency_reasons"]
    assert "idiot" not in data["masked_text"] and "f***ing parcel" in data["masked_text"]
    assert data["topic"] == "delivery"
    assert any("profanity" in line for line in data["explanations"])


def test_message_and_ticket_triage_are_masked(
    client: TestClient, api_headers: dict[str, str]
) -> None:
    ids = _create(client, api_headers)
    resp = client.get(f"/api/v1/triage/messages/{ids['message']}", headers=api_headers)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["abusive"] and "idiot" not in data["masked_body"]
    assert "idiot" not in str(data["detail"]["abuse"]["evidence"])
    ticket = client.get(f"/api/v1/triage/tickets/{ids['ticket']}", headers=api_headers).json()
    assert ticket["abusive"] and ticket["urgency_level"] in ("high", "urgent")
    assert [m["message_id"] for m in ticket["messages"]] == [ids["message"]]
    rerun = client.post(f"/api/v1/triage/messages/{ids['message']}/run", headers=api_headers)
    assert rerun.status_code == 200 and rerun.json()["tone"] == "abusive"


def test_reveal_is_audited(
    client: TestClient, api_headers: dict[str, str], session: Session, agent: StaffUser
) -> None:
    ids = _create(client, api_headers)
    resp = client.post(f"/api/v1/triage/messages/{ids['message']}/reveal", headers=api_headers)
    assert resp.status_code == 200 and resp.json()["body"] == BODY
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "message.reveal")).one()
    assert entry.actor_id == agent.id


def test_similar_cases_endpoint(
    client: TestClient, api_headers: dict[str, str], session: Session, agent: StaffUser
) -> None:
    forget_indexes()
    late = resolved(session, agent, "My parcel is late again", answer="Re-sent by courier.")
    ids = _create(client, api_headers, "Parcel late again, where is it?")
    resp = client.get(f"/api/v1/triage/tickets/{ids['ticket']}/similar?k=3", headers=api_headers)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["cases"][0]["ticket_id"] == late.id
    assert data["cases"][0]["resolution"] == "Re-sent by courier."
    forget_indexes()


def test_errors_are_json_and_name_the_field(
    client: TestClient, api_headers: dict[str, str]
) -> None:
    assert client.post("/api/v1/triage/analyze", json={"text": "hi"}).status_code == 401
    missing = client.get("/api/v1/triage/messages/999999999", headers=api_headers)
    assert missing.status_code == 404 and missing.json()["field"] == "message_id"
    bad_k = client.get("/api/v1/triage/tickets/1/similar?k=0", headers=api_headers)
    assert bad_k.status_code == 422
