"""The upload page: managers only, CSRF, a report naming each bad row, nothing half-applied."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import Customer
from tests.conftest import login

GOOD = b"external_id,first_name,email\nU1,Uma,uma@example.com\nU2,Udo,udo@example.com\n"
BAD = GOOD + b"U3,Una,not-an-email\n"


def _csrf(client: TestClient) -> str:
    return client.get("/customers/import").text.split('name="csrf_token" value="')[1].split('"')[0]


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Customer)) or 0


def test_agents_cannot_import(client: TestClient, agent: StaffUser) -> None:
    login(client, agent)
    assert client.get("/customers/import").status_code == 403


def test_upload_imports_and_reports(
    client: TestClient, manager: StaffUser, session: Session
) -> None:
    login(client, manager)
    resp = client.post(
        "/customers/import",
        data={"kind": "customers", "csrf_token": _csrf(client)},
        files={"file": ("c.csv", GOOD, "text/csv")},
    )
    assert resp.status_code == 200 and "2 inserted" in resp.text
    assert _count(session) == 2


def test_bad_row_is_named_and_nothing_imported(
    client: TestClient, manager: StaffUser, session: Session
) -> None:
    login(client, manager)
    resp = client.post(
        "/customers/import",
        data={"kind": "customers", "csrf_token": _csrf(client)},
        files={"file": ("c.csv", BAD, "text/csv")},
    )
    assert resp.status_code == 422 and "nothing imported" in resp.text
    assert "<td>4</td><td>email</td>" in resp.text
    assert _count(session) == 0


def test_upload_without_csrf_is_refused(
    client: TestClient, manager: StaffUser, session: Session
) -> None:
    login(client, manager)
    resp = client.post(
        "/customers/import", data={"kind": "customers"}, files={"file": ("c.csv", GOOD, "text/csv")}
    )
    assert resp.status_code == 403 and _count(session) == 0
