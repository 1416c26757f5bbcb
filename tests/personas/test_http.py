"""Persona pages, API and downloads over HTTP."""

from __future__ import annotations

import re
from io import BytesIO

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.demo import DEFAULT_NOW, build_demo
from fairdesk.personas import service as persona_service
from fairdesk.segments import service as segment_service
from fairdesk.segments.analysis import run
from fairdesk.segments.models import SegmentKind
from tests.conftest import login
from tests.factories import make_token


def _persona_id(session: Session) -> int:
    build_demo(session, customers=700)
    run(session, now=DEFAULT_NOW)
    seg = segment_service.list_segments(session, kind=SegmentKind.CLUSTER)[0]
    segment_service.set_target(session, seg.id, target=True, actor=None)
    run(session, now=DEFAULT_NOW)
    return persona_service.list_personas(session)[0].id


def test_gallery_card_edit_and_downloads(client: TestClient, session: Session,
                                         manager: StaffUser) -> None:
    pid = _persona_id(session)
    login(client, manager)
    assert f'href="/personas/{pid}"' in client.get("/personas").text
    page = client.get(f"/personas/{pid}")
    assert page.status_code == 200 and "from data" in page.text and "no quotes yet" in page.text
    edit = client.get(f"/personas/{pid}/edit")
    token = re.search(r'name="csrf_token" value="([^"]+)"', edit.text).group(1)  # type: ignore[union-attr]
    saved = client.post(f"/personas/{pid}/edit", data={
        "csrf_token": token, "name": "Robin Regular",
        "personal_goals": "Drink better coffee\nSupport small roasters"},
        follow_redirects=False)
    assert saved.status_code == 303
    card = client.get(f"/personas/{pid}").text
    assert "Robin Regular" in card and "Support small roasters" in card
    assert card.count('class="source person"') == 2  # the name and the goals
    png = client.get(f"/personas/{pid}.png")
    assert png.headers["content-type"] == "image/png"
    assert Image.open(BytesIO(png.content)).text["Title"] == "Robin Regular"
    pdf = client.get(f"/personas/{pid}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "robin-regular.pdf" in pdf.headers["content-disposition"]


def test_persona_api_marks_sources_and_only_managers_edit(
        client: TestClient, session: Session, manager: StaffUser,
        api_headers: dict[str, str]) -> None:
    pid = _persona_id(session)
    body = client.get(f"/api/v1/personas/{pid}", headers=api_headers).json()
    assert body["name_source"] == "data" and {f["source"] for f in body["fields"]} == {"data"}
    questions = {f["question"] for f in body["fields"] if f["question"]}
    assert "What are their personal goals?" in questions
    denied = client.patch(f"/api/v1/personas/{pid}", headers=api_headers,
                          json={"edits": {"name": "X"}})
    assert denied.status_code == 403
    boss = {"Authorization": f"Bearer {make_token(session, manager)}"}
    edited = client.patch(f"/api/v1/personas/{pid}", headers=boss,
                          json={"edits": {"values_in_service": ["Speed", "Honesty"]}}).json()
    field = next(f for f in edited["fields"] if f["key"] == "values_in_service")
    assert field == {**field, "value": ["Speed", "Honesty"], "source": "person"}
    bad = client.patch(f"/api/v1/personas/{pid}", headers=boss, json={"edits": {"shoe": "9"}})
    assert bad.status_code == 422 and bad.json()["field"] == "shoe"
    pdf = client.get(f"/api/v1/personas/{pid}/card.pdf", headers=api_headers)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
