"""Login, logout, CSRF and the same answer for a wrong password and an unknown user."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from tests.conftest import login
from tests.factories import PASSWORD


def _csrf(client: TestClient) -> str:
    return client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]


def test_pages_need_login(client: TestClient) -> None:
    resp = client.get("/", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"].startswith("/login")


def test_login_then_overview_then_logout(
    client: TestClient, agent: StaffUser, session: Session
) -> None:
    login(client, agent)
    page = client.get("/")
    assert page.status_code == 200 and agent.name in page.text
    actions = session.scalars(
        select(AuditEntry.action).where(AuditEntry.actor_id == agent.id)
    ).all()
    assert "auth.login" in actions
    client.post("/logout", data={"csrf_token": _csrf(client)})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_wrong_password_and_unknown_user_answer_alike(client: TestClient, agent: StaffUser) -> None:
    token = _csrf(client)
    wrong = client.post(
        "/login", data={"email": agent.email, "password": "nope-nope-nope", "csrf_token": token}
    )
    unknown = client.post(
        "/login", data={"email": "nobody@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert "wrong e-mail or password" in wrong.text
    strip = lambda html: html.replace(agent.email, "").replace("nobody@example.com", "")  # noqa: E731
    assert strip(wrong.text) == strip(unknown.text)


def test_form_without_csrf_token_is_refused(client: TestClient, agent: StaffUser) -> None:
    client.get("/login")
    resp = client.post("/login", data={"email": agent.email, "password": PASSWORD})
    assert resp.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


def test_open_redirect_after_login_is_refused(client: TestClient, agent: StaffUser) -> None:
    token = _csrf(client)
    resp = client.post(
        "/login",
        data={
            "email": agent.email,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example.com/",
        },
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/"


def test_healthz_reports_database(client: TestClient) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json()["database"] == "ok"
