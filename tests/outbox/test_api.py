"""Webhook endpoints and dead outbox items over REST: managers only, every change audited."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxKind, OutboxStatus, WebhookEndpoint
from tests.factories import make_token


def _bearer(session: Session, user: StaffUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session, user)}"}


def _actions(session: Session) -> list[str]:
    return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_manager_creates_lists_pauses_and_deletes(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    headers = _bearer(session, manager)
    created = client.post(
        "/api/v1/webhooks",
        json={"url": "https://hooks.example.com/fd", "events": ["ticket.created"]},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["events"] == ["ticket.created"]
    endpoint = session.get(WebhookEndpoint, body["id"])
    assert endpoint is not None and endpoint.secret == body["secret"]

    listed = client.get("/api/v1/webhooks", headers=headers).json()
    assert [e["id"] for e in listed] == [body["id"]]
    assert "secret" not in listed[0]  # shown once, at creation

    paused = client.patch(f"/api/v1/webhooks/{body['id']}", json={"active": False}, headers=headers)
    assert paused.status_code == 200 and paused.json()["active"] is False

    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/webhooks/{body['id']}", headers=headers).status_code == 404
    assert [a for a in _actions(session) if a.startswith("webhook.")] == [
        "webhook.create",
        "webhook.deactivate",
        "webhook.delete",
    ]


def test_given_secret_is_kept_and_bad_input_is_refused(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    headers = _bearer(session, manager)
    ok = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9000/in", "secret": "my-own-secret-of-some-length"},
        headers=headers,
    )
    assert ok.status_code == 201 and ok.json()["secret"] == "my-own-secret-of-some-length"
    for bad in (
        {"url": "ftp://example.com/x"},
        {"url": "https://example.com/x", "secret": "short"},
        {"url": "https://example.com/x", "events": ["Ticket Created"]},
    ):
        resp = client.post("/api/v1/webhooks", json=bad, headers=headers)
        assert resp.status_code == 422, bad


def test_agents_and_anonymous_callers_are_refused(
    client: TestClient, api_headers: dict[str, str]
) -> None:
    payload = {"url": "https://hooks.example.com/fd"}
    assert client.post("/api/v1/webhooks", json=payload).status_code == 401
    assert client.post("/api/v1/webhooks", json=payload, headers=api_headers).status_code == 403
    assert client.get("/api/v1/webhooks", headers=api_headers).status_code == 403
    assert client.get("/api/v1/outbox", headers=api_headers).status_code == 403


def test_dead_items_are_listed_and_can_be_retried(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    headers = _bearer(session, manager)
    item = outbox_service.enqueue(
        session, kind=OutboxKind.EMAIL, payload={"to": "x@example.com", "subject": "s", "text": "t"}
    )
    for _ in range(outbox_service.MAX_ATTEMPTS):
        outbox_service.mark_failed(item, "550 no such user")
    session.flush()
    assert item.status == OutboxStatus.DEAD

    page = client.get("/api/v1/outbox", headers=headers).json()
    assert [i["id"] for i in page["items"]] == [item.id] and page["total"] == 1
    assert page["items"][0]["last_error"] == "550 no such user"

    retried = client.post(f"/api/v1/outbox/{item.id}/retry", headers=headers)
    assert retried.status_code == 200
    assert retried.json()["status"] == "pending" and retried.json()["attempts"] == 0
    again = client.post(f"/api/v1/outbox/{item.id}/retry", headers=headers)
    assert again.status_code == 409
    assert "outbox.retry" in _actions(session)
