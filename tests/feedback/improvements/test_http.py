"""Improvements over real HTTP: the API, the manager's pages and the public page."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.feedback.improvements.models import Improvement, ImprovementNotification
from fairdesk.outbox.models import OutboxItem
from tests.conftest import login
from tests.factories import make_token
from tests.feedback.improvements.helpers import build_desk

EVIL = "<img src=x onerror=alert(1)> Faster <b>couriers</b>"


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_api_plans_links_and_ships_once(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    desk = build_desk(session)
    headers = {"Authorization": f"Bearer {make_token(session, manager)}"}
    made = client.post(
        "/api/v1/improvements",
        headers=headers,
        json={
            "title": "Tracked courier",
            "description": "Tracking from day one.",
            "owner_id": manager.id,
            "planned_for": "2026-12-01",
            "theme_ids": [],
        },
    )
    assert made.status_code == 201, made.text
    improvement_id = made.json()["id"]
    assert made.json()["status"] == "planned" and made.json()["metrics"] is None
    linked = client.post(
        f"/api/v1/improvements/{improvement_id}/themes",
        headers=headers,
        json={"theme_ids": [desk.delivery.id]},
    )
    assert linked.json()["theme_ids"] == [desk.delivery.id]
    shipped = client.post(f"/api/v1/improvements/{improvement_id}/ship", headers=headers, json={})
    assert shipped.status_code == 200, shipped.text
    body = shipped.json()
    assert (body["queued"], body["skipped"], body["already"]) == (8, 0, 0)
    assert body["improvement"]["notifications"] == {"queued": 8, "skipped": 0}
    assert body["improvement"]["metrics"]["ticket_count"] == 8
    again = client.post(
        f"/api/v1/improvements/{improvement_id}/ship", headers=headers, json={}
    ).json()
    assert (again["queued"], again["already"]) == (0, 8)
    assert session.scalar(select(func.count()).select_from(OutboxItem)) == 8
    listed = client.get("/api/v1/improvements", headers=headers).json()
    assert [i["id"] for i in listed] == [improvement_id]


def test_api_bad_input_and_agents(
    client: TestClient, session: Session, manager: StaffUser, api_headers: dict[str, str]
) -> None:
    desk = build_desk(session)
    headers = {"Authorization": f"Bearer {make_token(session, manager)}"}
    cases = [
        ("/api/v1/improvements", {"title": "", "theme_ids": []}, 422, "title"),
        ("/api/v1/improvements", {"title": "x", "theme_ids": [999999]}, 404, "theme_ids"),
        ("/api/v1/improvements", {"title": "x", "planned_for": "soon"}, 422, "planned_for"),
        ("/api/v1/improvements/999999/ship", {}, 404, "improvement_id"),
        ("/api/v1/improvements/999999/themes", {"theme_ids": [1]}, 404, "improvement_id"),
    ]
    for url, body, status, field in cases:
        resp = client.post(url, json=body, headers=headers)
        assert resp.status_code == status, (url, resp.text)
        assert resp.json()["field"] == field
    made = client.post(
        "/api/v1/improvements",
        headers=headers,
        json={"title": "x", "theme_ids": [desk.delivery.id]},
    ).json()
    naive = client.post(
        f"/api/v1/improvements/{made['id']}/ship",
        headers=headers,
        json={"shipped_at": "2026-01-01T10:00:00"},
    )
    assert naive.status_code == 422 and naive.json()["field"] == "shipped_at"
    assert client.get("/api/v1/improvements", headers=api_headers).status_code == 200
    for url in (
        "/api/v1/improvements",
        f"/api/v1/improvements/{made['id']}/ship",
        f"/api/v1/improvements/{made['id']}/themes",
    ):
        denied = client.post(
            url, json={"title": "x", "theme_ids": [desk.delivery.id]}, headers=api_headers
        )
        assert denied.status_code == 403
    assert session.scalar(select(func.count()).select_from(ImprovementNotification)) == 0


def test_public_page_escapes_and_shows_no_customer_data(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    desk = build_desk(session)
    login(client, manager)
    page = client.get("/feedback/improvements")
    token = _csrf(page.text)
    made = client.post(
        "/feedback/improvements",
        data={
            "csrf_token": token,
            "title": EVIL,
            "description": "We <i>listened</i> & changed.",
            "owner_id": str(manager.id),
            "planned_for": "",
            "theme_ids": [str(desk.delivery.id)],
        },
    )
    assert made.status_code == 200 and "Planned." in made.text
    improvement = session.scalars(select(Improvement)).one()
    shipped = client.post(
        f"/feedback/improvements/{improvement.id}/ship", data={"csrf_token": token}
    )
    assert "8 customer(s) will be told" in shipped.text
    client.cookies.clear()
    public = client.get("/you-said-we-did")
    assert public.status_code == 200
    assert "<img" not in public.text and "<b>couriers" not in public.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in public.text
    assert "We &lt;i&gt;listened&lt;/i&gt; &amp; changed." in public.text
    for customer in desk.customers + desk.others:
        assert customer.email and customer.email not in public.text
        assert customer.first_name not in public.text and customer.last_name not in public.text
    assert manager.email not in public.text and manager.name not in public.text
    for quote in desk.delivery.quotes:
        assert quote["text"] not in html.unescape(public.text)


def test_pages_link_and_refuse_agents(
    client: TestClient, session: Session, manager: StaffUser, agent: StaffUser
) -> None:
    desk = build_desk(session)
    login(client, manager)
    token = _csrf(client.get("/feedback/improvements").text)
    bad = client.post("/feedback/improvements", data={"csrf_token": token, "title": " "})
    assert "title must not be empty" in bad.text
    client.post(
        "/feedback/improvements",
        data={"csrf_token": token, "title": "Refund speed", "theme_ids": [str(desk.billing.id)]},
    )
    improvement = session.scalars(select(Improvement)).one()
    page = client.get(f"/feedback/improvements/{improvement.id}")
    assert "Mark shipped and tell customers" in page.text
    linked = client.post(
        f"/feedback/improvements/{improvement.id}/themes",
        data={"csrf_token": token, "theme_ids": [str(desk.delivery.id)]},
    )
    assert "Linked." in linked.text and linked.text.count('href="/feedback/themes/') >= 2
    unknown = client.post(
        f"/feedback/improvements/{improvement.id}/themes",
        data={"csrf_token": token, "theme_ids": ["999999"]},
    )
    assert "no theme with id 999999" in unknown.text
    client.cookies.clear()
    login(client, agent)
    view = client.get(f"/feedback/improvements/{improvement.id}")
    assert view.status_code == 200 and "Mark shipped" not in view.text
    denied = client.post(
        f"/feedback/improvements/{improvement.id}/ship", data={"csrf_token": _csrf(view.text)}
    )
    assert denied.status_code == 403
    assert session.scalar(select(func.count()).select_from(ImprovementNotification)) == 0
    assert client.get("/feedback/improvements/999999").status_code == 404
