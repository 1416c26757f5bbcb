"""Segments and personas over HTTP: the API and the manager's pages."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.segments.analysis import run
from fairdesk.segments.models import Segment
from tests.conftest import login
from tests.factories import make_token
from tests.segments.conftest import NOW

RULES: dict[str, Any] = {"match": "all", "rules": [
    {"field": "country", "op": "eq", "value": "GB"},
    {"field": "order_count", "op": "gte", "value": 1}]}


@pytest.fixture()
def manager_headers(session: Session, manager: StaffUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session, manager)}"}


def test_manager_creates_counts_and_lists_a_rule_segment(
        client: TestClient, people: dict[str, int], manager_headers: dict[str, str],
        api_headers: dict[str, str]) -> None:
    preview = client.post("/api/v1/segments/preview", json={"rules": RULES},
                          headers=api_headers)
    assert preview.status_code == 200 and preview.json() == {"count": 1}  # ada
    created = client.post("/api/v1/segments", headers=manager_headers,
                          json={"name": "British buyers", "rules": RULES})
    assert created.status_code == 201, created.text
    seg = created.json()
    assert seg["kind"] == "rule" and seg["size"] == 1 and seg["rules"]["rules"][0]["value"] == "GB"
    members = client.get(f"/api/v1/segments/{seg['id']}/members", headers=api_headers).json()
    assert members["total"] == 1 and members["customer_ids"] == [people["ada"]]
    listed = client.get("/api/v1/segments?kind=rule", headers=api_headers).json()
    assert [s["name"] for s in listed] == ["British buyers"]
    insights = client.get(f"/api/v1/customers/{people['ada']}/segments",
                          headers=api_headers).json()
    assert [s["name"] for s in insights["segments"]] == ["British buyers"]


def test_agents_cannot_change_segments(client: TestClient, api_headers: dict[str, str]) -> None:
    resp = client.post("/api/v1/segments", headers=api_headers,
                       json={"name": "x", "rules": RULES})
    assert resp.status_code == 403


def test_bad_rules_answer_422_naming_rule_and_field(
        client: TestClient, manager_headers: dict[str, str]) -> None:
    bad = {"match": "all", "rules": [{"field": "age", "op": "gt", "value": 3},
                                     {"field": "shoe_size", "op": "eq", "value": 9}]}
    resp = client.post("/api/v1/segments", headers=manager_headers,
                       json={"name": "Odd", "rules": bad})
    assert resp.status_code == 422
    body = resp.json()
    assert body["field"] == "shoe_size" and body["details"] == {"rule": "2", "field": "shoe_size"}
    assert "rule 2 (shoe_size): unknown field" in body["message"]
    text = {"match": "all", "rules": [{"field": "total_spend", "op": "gt", "value": "a lot"}]}
    resp = client.post("/api/v1/segments/preview", headers=manager_headers, json={"rules": text})
    assert resp.status_code == 422 and "total_spend is a number" in resp.json()["message"]


def test_targets_runs_and_fields(client: TestClient, session: Session, people: dict[str, int],
                                 manager_headers: dict[str, str]) -> None:
    run(session, now=NOW)
    seg = session.scalars(select(Segment).where(Segment.key == "rfm:no_purchases")).one()
    resp = client.put(f"/api/v1/segments/{seg.id}/target", headers=manager_headers,
                      json={"target": True})
    assert resp.status_code == 200 and resp.json()["is_target"] is True
    latest = client.get("/api/v1/segments/runs/latest", headers=manager_headers).json()
    assert latest["clustered"] is False and "clustering needs" in latest["note"]
    assert latest["unknown_counts"]["age"] == 1
    fields = {f["name"]: f for f in client.get("/api/v1/segments/fields",
                                                headers=manager_headers).json()}
    assert "between" in fields["age"]["ops"] and "champions" in fields["rfm_segment"]["choices"]
    members = client.get(f"/api/v1/segments/{seg.id}/members", headers=manager_headers).json()
    assert sorted(members["customer_ids"]) == sorted([people["cat"], people["dan"]])
    assert client.delete(f"/api/v1/segments/{seg.id}",
                         headers=manager_headers).status_code == 422  # computed segments stay


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_editor_counts_then_saves_and_shows_errors(
        client: TestClient, manager: StaffUser, people: dict[str, int]) -> None:
    login(client, manager)
    page = client.get("/segments/new")
    assert page.status_code == 200
    form = {"csrf_token": _csrf(page.text), "rows": "3", "name": "Thirty-somethings",
            "match": "all", "field_0": "age", "op_0": "between", "value_0": "25, 36",
            "field_1": "", "op_1": "eq", "value_1": "", "field_2": "", "op_2": "eq",
            "value_2": "", "rules_json": ""}
    counted = client.post("/segments/new", data={**form, "action": "count"})
    assert counted.status_code == 200 and "<strong>2</strong> customers match" in counted.text
    bad = client.post("/segments/new", data={**form, "value_0": "young, old", "action": "save"})
    assert bad.status_code == 422
    assert "rule 1 (age): age is a number, but &#39;young&#39; is text" in bad.text
    assert 'value="Thirty-somethings"' in bad.text  # the form is kept
    saved = client.post("/segments/new", data={**form, "action": "save"},
                        follow_redirects=False)
    assert saved.status_code == 303
    detail = client.get(saved.headers["location"])
    assert "Thirty-somethings" in detail.text and "age between 25 and 36" in detail.text


def test_agents_see_the_segment_pages(client: TestClient, agent: StaffUser,
                                      session: Session, people: dict[str, int]) -> None:
    run(session, now=NOW)
    login(client, agent)
    for url in ("/segments", "/segments/rfm", "/segments/fit", "/segments/compare", "/personas"):
        assert client.get(url).status_code == 200, url
    rfm = client.get("/segments/rfm").text
    assert "No purchases" in rfm and "heat-" in rfm
    ids = [s.id for s in session.scalars(select(Segment).where(Segment.key.in_(
        ["rfm:no_purchases", "rfm:champions"])))]
    compared = client.get(f"/segments/compare?ids={ids[0]}&ids={ids[1]}&ids=&ids=")
    assert compared.status_code == 200 and "chart-compare" in compared.text


def test_customer_insights_partial_renders_for_the_customer_page(
        session: Session, people: dict[str, int]) -> None:
    from fairdesk.segments import service as segment_service
    from fairdesk.web.templating import templates

    partial = templates.env.get_template("segments/_customer_insights.html")
    before = partial.render(insights=segment_service.customer_insights(session, people["dan"]))
    assert "Not analysed yet" in before
    run(session, now=NOW)
    html = partial.render(insights=segment_service.customer_insights(session, people["ada"]))
    assert "<dt>RFM</dt><dd><strong>" in html and "No purchases" not in html
    assert "no target segments yet" in html and "/segments/" in html
