"""The goodwill API over real HTTP: policy import/export, recommendation, grant, approvals."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.goodwill import service as goodwill_service
from tests.factories import make_token
from tests.goodwill.helpers import make_ticket

BASE = "/api/v1/goodwill"


def _auth(session: Session, user: StaffUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session, user)}"}


def test_policy_export_import_and_versions(
    client: TestClient, session: Session, manager: StaffUser, api_headers: dict[str, str]
) -> None:
    exported = client.get(f"{BASE}/policy?format=yaml", headers=api_headers)
    assert exported.status_code == 200 and "no_questions_asked:" in exported.text
    boss = _auth(session, manager)
    changed = exported.text.replace("no_receipt_under: 30", "no_receipt_under: 40")
    saved = client.put(f"{BASE}/policy?note=raise", content=changed, headers={
        **boss, "Content-Type": "application/yaml"})
    assert saved.status_code == 201, saved.text
    assert saved.json()["number"] == 2 and saved.json()["document"]["no_receipt_under"] == 40
    as_json = client.put(f"{BASE}/policy", json=saved.json()["document"], headers=boss)
    assert as_json.status_code == 201 and as_json.json()["number"] == 3
    versions = client.get(f"{BASE}/policy/versions", headers=api_headers).json()
    assert [v["number"] for v in versions] == [3, 2, 1]
    old = client.get(f"{BASE}/policy/versions/1?format=yaml", headers=api_headers)
    assert "no_receipt_under: 30" in old.text


def test_a_bad_policy_names_line_and_field_and_changes_nothing(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    boss = _auth(session, manager)
    source = goodwill_service.default_source().replace("per_month: 2000", "per_month: -1")
    resp = client.put(f"{BASE}/policy", content=source, headers=boss)
    assert resp.status_code == 422
    body = resp.json()
    line = next(i for i, s in enumerate(source.splitlines(), 1) if "per_month: -1" in s)
    assert body["error"] == "invalid_policy" and body["field"] == "roles.agent.per_month"
    assert body["details"][0]["line"] == line
    current = client.get(f"{BASE}/policy", headers=boss).json()
    assert current["number"] == 1 and current["document"]["roles"]["agent"]["per_month"] == 2000


def test_agents_cannot_change_policy_or_decide_approvals(
    client: TestClient, api_headers: dict[str, str]
) -> None:
    put = client.put(f"{BASE}/policy", content="name: x", headers=api_headers)
    assert put.status_code == 403
    assert client.get(f"{BASE}/approvals", headers=api_headers).status_code == 403
    assert client.post(f"{BASE}/approvals/1/approve", json={},
                       headers=api_headers).status_code == 403
    assert client.get(f"{BASE}/budgets", headers=api_headers).status_code == 403


def test_recommend_grant_and_refuse_over_the_limit(
    client: TestClient, session: Session, api_headers: dict[str, str]
) -> None:
    ticket = make_ticket(session, category="other", amount="200")
    rec = client.get(f"{BASE}/tickets/{ticket.id}/recommendation", headers=api_headers).json()
    assert (rec["remedy"], rec["outcome"], rec["rule"]) == (
        "store_credit", "grant", "within_discretion:agent")
    assert rec["explanation"].startswith("Within your £50.00 limit")
    body = {"remedy": rec["remedy"], "amount": rec["amount"], "currency": "GBP"}
    url = f"{BASE}/tickets/{ticket.id}/grants"
    first = client.post(url, json=body, headers=api_headers)
    again = client.post(url, json=body, headers=api_headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    over = client.post(url, json={**body, "amount": "80"}, headers=api_headers)
    assert over.status_code == 403 and over.json()["error"] == "over_limit"
    assert "£50.00 limit" in over.json()["message"]
    euro = client.post(url, json={**body, "currency": "EUR"}, headers=api_headers)
    assert euro.status_code == 422 and euro.json()["field"] == "currency"
    negative = client.post(url, json={**body, "amount": "-3"}, headers=api_headers)
    assert negative.status_code == 422 and negative.json()["field"] == "amount"
    mine = client.get(f"{BASE}/budget", headers=api_headers).json()
    assert mine["spent_today"] == "10.00" and mine["left_today"] == "240.00"


def test_approval_round_trip(
    client: TestClient, session: Session, manager: StaffUser, api_headers: dict[str, str]
) -> None:
    ticket = make_ticket(session, category="other", amount="200")
    asked = client.post(f"{BASE}/tickets/{ticket.id}/approval-requests", headers=api_headers,
                        json={"remedy": "store_credit", "amount": 80, "currency": "GBP"})
    assert asked.status_code == 201 and asked.json()["status"] == "pending"
    boss = _auth(session, manager)
    queue = client.get(f"{BASE}/approvals", headers=boss).json()
    assert [g["id"] for g in queue] == [asked.json()["id"]]
    done = client.post(f"{BASE}/approvals/{asked.json()['id']}/approve", json={"note": "ok"},
                       headers=boss)
    assert done.status_code == 200 and done.json()["approver_id"] == manager.id
    report = client.get(f"{BASE}/report?by=category", headers=boss).json()
    assert report == [{"group": "other", "amount": "80.00", "gestures": 1}]
