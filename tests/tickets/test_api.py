"""Tickets over REST: 201 with the acknowledgement, idempotent retries, replies, SLA pauses."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.tickets.models import Ticket

BODY = {
    "customer": {"email": "api.customer@example.com", "name": "Api Customer"},
    "subject": "Broken grinder",
    "body": "The burr grinder stopped working.",
}


def test_create_needs_a_token(client: TestClient) -> None:
    assert client.post("/api/v1/tickets", json=BODY).status_code == 401


def test_create_acknowledges_with_reference(
    client: TestClient, api_headers: dict[str, str]
) -> None:
    resp = client.post("/api/v1/tickets", json=BODY, headers=api_headers)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["reference"] in body["acknowledgement"] and body["status"] == "new"
    assert body["first_response_due_at"] is not None


def test_idempotency_key_returns_the_first_ticket(
    client: TestClient, api_headers: dict[str, str], session: Session
) -> None:
    headers = {**api_headers, "Idempotency-Key": "retry-1"}
    first = client.post("/api/v1/tickets", json=BODY, headers=headers)
    again = client.post("/api/v1/tickets", json=BODY, headers=headers)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    other = client.post("/api/v1/tickets", json={**BODY, "subject": "Other"}, headers=headers)
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"


def test_bad_body_names_the_field(client: TestClient, api_headers: dict[str, str]) -> None:
    resp = client.post("/api/v1/tickets", json={**BODY, "customer": {}}, headers=api_headers)
    assert resp.status_code == 422 and resp.json()["field"] == "customer"
    resp = client.post("/api/v1/tickets", json={**BODY, "body": ""}, headers=api_headers)
    assert resp.status_code == 422 and resp.json()["field"] == "body"
    resp = client.post("/api/v1/tickets", json={**BODY, "priority": "asap"}, headers=api_headers)
    assert resp.status_code == 422 and resp.json()["field"] == "priority"


def test_reply_note_and_status_through_api(client: TestClient, api_headers: dict[str, str]) -> None:
    tid = client.post("/api/v1/tickets", json=BODY, headers=api_headers).json()["id"]
    note = client.post(
        f"/api/v1/tickets/{tid}/messages",
        json={"body": "check stock", "internal": True},
        headers=api_headers,
    )
    assert note.status_code == 201 and note.json()["kind"] == "note"
    reply = client.post(
        f"/api/v1/tickets/{tid}/messages",
        json={"body": "A new one is on its way"},
        headers=api_headers,
    )
    assert reply.status_code == 201 and reply.json()["kind"] == "reply"
    ticket = client.get(f"/api/v1/tickets/{tid}", headers=api_headers).json()
    assert ticket["status"] == "pending" and ticket["first_responded_at"] is not None
    assert ticket["first_response_breached"] is False
    public = client.get(f"/api/v1/tickets/{tid}/messages?internal=false", headers=api_headers)
    assert [m["kind"] for m in public.json()] == ["customer", "reply"]
    solved = client.patch(
        f"/api/v1/tickets/{tid}", json={"status": "resolved"}, headers=api_headers
    )
    assert solved.json()["status"] == "resolved" and solved.json()["resolved_at"] is not None
    assert client.get("/api/v1/tickets/99999999", headers=api_headers).status_code == 404
    bad = client.patch(f"/api/v1/tickets/{tid}", json={"assignee_id": 99999}, headers=api_headers)
    assert bad.status_code == 422 and bad.json()["field"] == "assignee_id"
