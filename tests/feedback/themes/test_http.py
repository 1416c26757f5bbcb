"""Themes over real HTTP: the API for integrators, the pages and forms for managers."""

from __future__ import annotations

import html
import json

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.feedback.themes import service as theme_service
from fairdesk.feedback.themes.models import Theme, ThemeStatus
from tests.conftest import login
from tests.factories import make_customer, make_token
from tests.feedback.helpers import add_comment
from tests.feedback.themes.test_build import seed_feedback

SCRIPT = "<script>alert('x')</script> the grinder motor broke and jammed, warranty repair"


def _csrf(page: str) -> str:
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def _built(client: TestClient, session: Session, manager: StaffUser) -> dict[str, str]:
    seed_feedback(session, n=160)
    add_comment(session, make_customer(session), SCRIPT)
    headers = {"Authorization": f"Bearer {make_token(session, manager)}"}
    built = client.post("/api/v1/themes/build", json={"backend": "tfidf"}, headers=headers)
    assert built.status_code == 200, built.text
    assert built.json()["n_texts"] == 161 and built.json()["themes"] == 4
    return headers


def test_api_lists_details_and_edits_themes(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    headers = _built(client, session, manager)
    themes = client.get("/api/v1/themes", headers=headers).json()
    assert len(themes) == 4 and sum(t["size"] for t in themes) == 161
    first, second = themes[0]["id"], themes[1]["id"]
    detail = client.get(f"/api/v1/themes/{first}", headers=headers).json()
    assert len(detail["weekly"]) == 12 and sum(detail["weekly"]) <= detail["size"]
    assert detail["by_segment"][0]["texts"] == detail["size"]
    assert detail["quotes"] and all("text" in q for q in detail["quotes"])
    renamed = client.post(
        f"/api/v1/themes/{first}/rename", json={"name": "Parcels"}, headers=headers
    )
    assert renamed.status_code == 200 and renamed.json()["name_edited"] is True
    merged = client.post(f"/api/v1/themes/{second}/merge", json={"into_id": first}, headers=headers)
    assert merged.status_code == 200 and merged.json()["id"] == first
    parts = client.post(f"/api/v1/themes/{first}/split", json={"parts": 2}, headers=headers)
    assert parts.status_code == 200 and len(parts.json()) == 2
    every = client.get("/api/v1/themes?all=true", headers=headers).json()
    assert {t["status"] for t in every} == {"active", "merged", "split"}


def test_api_bad_input_is_a_clear_error_never_a_500(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    headers = {"Authorization": f"Bearer {make_token(session, manager)}"}
    empty = client.post("/api/v1/themes/build", json={}, headers=headers)
    assert empty.status_code == 422 and empty.json()["field"] == "texts"
    headers = _built(client, session, manager)
    theme_id = client.get("/api/v1/themes", headers=headers).json()[0]["id"]
    cases = [
        ("get", "/api/v1/themes/999999", None, 404, "theme_id"),
        ("post", f"/api/v1/themes/{theme_id}/merge", {"into_id": theme_id}, 422, "into_id"),
        ("post", f"/api/v1/themes/{theme_id}/merge", {"into_id": 999999}, 404, "into_id"),
        ("post", f"/api/v1/themes/{theme_id}/rename", {"name": ""}, 422, "name"),
        ("post", f"/api/v1/themes/{theme_id}/split", {"parts": 40}, 422, "parts"),
        ("post", "/api/v1/themes/999999/split", {"parts": 2}, 404, "theme_id"),
        ("post", "/api/v1/themes/build", {"backend": "magic"}, 422, "backend"),
    ]
    for method, url, body, status, field in cases:
        resp = client.request(method.upper(), url, json=body, headers=headers)
        assert resp.status_code == status, (url, resp.text)
        assert resp.json()["field"] == field, (url, resp.json())


def test_agents_read_themes_but_cannot_change_them(
    client: TestClient,
    session: Session,
    manager: StaffUser,
    agent: StaffUser,
    api_headers: dict[str, str],
) -> None:
    _built(client, session, manager)
    theme = theme_service.list_themes(session)[0]
    assert client.get("/api/v1/themes", headers=api_headers).status_code == 200
    for url, body in (
        (f"/api/v1/themes/{theme.id}/rename", {"name": "x"}),
        (f"/api/v1/themes/{theme.id}/split", {}),
        ("/api/v1/themes/build", {}),
    ):
        assert client.post(url, json=body, headers=api_headers).status_code == 403
    login(client, agent)
    page = client.get(f"/feedback/themes/{theme.id}")
    assert page.status_code == 200 and "Rename" not in page.text
    denied = client.post(
        f"/feedback/themes/{theme.id}/rename", data={"csrf_token": _csrf(page.text), "name": "Mine"}
    )
    assert denied.status_code == 403
    session.expire_all()
    assert session.get(Theme, theme.id).name == theme.name  # type: ignore[union-attr]


def test_pages_show_trend_breakdown_and_escaped_quotes(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    _built(client, session, manager)
    login(client, manager)
    listing = client.get("/feedback/themes")
    assert listing.status_code == 200
    charts = [
        json.loads(html.unescape(chunk.split(">", 1)[1].split("</script>")[0]))
        for chunk in listing.text.split('<script type="application/json"')[1:]
    ]
    assert len(charts) == 4 and all(c["type"] == "line" for c in charts)
    assert "not yet segmented" in listing.text
    grinder = max(theme_service.list_themes(session), key=lambda t: t.signature.get("grinder", 0))
    page = client.get(f"/feedback/themes/{grinder.id}")
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text  # members, escaped
    assert "Latest texts" in page.text and "Who writes it" in page.text


def test_manager_forms_rename_merge_split_with_csrf_and_audit(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    _built(client, session, manager)
    login(client, manager)
    first, second = theme_service.list_themes(session)[:2]
    page = client.get(f"/feedback/themes/{first.id}")
    token = _csrf(page.text)
    assert (
        client.post(f"/feedback/themes/{first.id}/rename", data={"name": "Stolen"}).status_code
        == 403
    )  # no CSRF token
    done = client.post(
        f"/feedback/themes/{first.id}/rename",
        data={"csrf_token": token, "name": "Parcels & <couriers>"},
    )
    assert "Renamed" in done.text and "Parcels &amp; &lt;couriers&gt;" in done.text
    itself = client.post(
        f"/feedback/themes/{first.id}/merge", data={"csrf_token": token, "into_id": str(first.id)}
    )
    assert itself.status_code == 200 and "cannot be merged into itself" in itself.text
    merged = client.post(
        f"/feedback/themes/{second.id}/merge", data={"csrf_token": token, "into_id": str(first.id)}
    )
    assert "Merged into" in html.unescape(merged.text)
    bad_parts = client.post(
        f"/feedback/themes/{first.id}/split", data={"csrf_token": token, "parts": "many"}
    )
    assert "whole number" in bad_parts.text
    split = client.post(
        f"/feedback/themes/{first.id}/split", data={"csrf_token": token, "parts": "2"}
    )
    assert "Split into 2 themes" in html.unescape(split.text)
    session.expire_all()
    assert session.get(Theme, second.id).status == ThemeStatus.MERGED  # type: ignore[union-attr]
    actions = set(
        session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "theme"))
    )
    assert actions == {"theme.rename", "theme.merge", "theme.split"}
    missing = client.get("/feedback/themes/999999")
    assert missing.status_code == 404
