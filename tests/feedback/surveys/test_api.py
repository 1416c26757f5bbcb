"""The surveys API over real HTTP: forms, invitations, answers, stats, follow-ups, sending."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.customers.models import LifecycleStatus
from fairdesk.feedback.surveys import answers
from fairdesk.feedback.surveys.models import SurveyOptOut
from tests.factories import make_customer, make_token
from tests.feedback.surveys.helpers import solve_ticket

BASE = "/api/v1/surveys"


def _auth(session: Session, user: StaffUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session, user)}"}


def test_forms_are_read_by_staff_and_changed_by_managers_only(
    client: TestClient, session: Session, manager: StaffUser, api_headers: dict[str, str]
) -> None:
    forms = client.get(f"{BASE}/forms", headers=api_headers).json()
    assert {f["kind"] for f in forms} == {"ticket", "relationship"}
    body = {
        "title": "Quick question",
        "questions": ["nps", "csat"],
        "reason_codes": ["slow", " slow ", "wrong item"],
        "active": True,
    }
    assert client.put(f"{BASE}/forms/ticket", json=body, headers=api_headers).status_code == 403
    saved = client.put(f"{BASE}/forms/ticket", json=body, headers=_auth(session, manager))
    assert saved.status_code == 200, saved.text
    assert saved.json()["questions"] == ["nps", "csat"]
    assert saved.json()["reason_codes"] == ["slow", "wrong item"]
    bad = client.put(
        f"{BASE}/forms/ticket",
        headers=_auth(session, manager),
        json={**body, "questions": ["comment"]},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "questions"
    unknown = client.put(
        f"{BASE}/forms/ticket",
        headers=_auth(session, manager),
        json={**body, "questions": ["stars"]},
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "questions"
    after = client.get(f"{BASE}/forms", headers=api_headers).json()
    assert next(f for f in after if f["kind"] == "ticket")["title"] == "Quick question"


def test_invitations_answers_stats_and_follow_ups(
    client: TestClient, session: Session, agent: StaffUser, api_headers: dict[str, str]
) -> None:
    opted = make_customer(session)
    session.add(SurveyOptOut(customer_id=opted.id))
    session.flush()
    solve_ticket(session, customer=opted, assignee=agent)
    _, a = solve_ticket(session, assignee=agent)
    _, b = solve_ticket(session, assignee=agent)
    assert a is not None and b is not None
    answers.submit(session, invitation=a, data={"csat": "5", "ces": "6", "comment": "<i>x</i>"})
    answers.submit(session, invitation=b, data={"csat": "1", "reasons": ["slow"]})

    skipped = client.get(f"{BASE}/invitations?status=skipped", headers=api_headers).json()
    assert [(i["customer_id"], i["skip_reason"]) for i in skipped] == [(opted.id, "opted out")]
    listed = client.get(f"{BASE}/answers", headers=api_headers).json()
    assert {r["comment"] for r in listed} == {"<i>x</i>", ""}  # JSON: exactly as typed

    stats = client.get(f"{BASE}/stats?kind=ticket", headers=api_headers).json()
    assert (stats["sent"], stats["answered"], stats["skipped"]) == (2, 2, 1)
    assert stats["csat"]["value"] == 50.0 and stats["response_rate"]["value"] == 100.0
    assert stats["nps"]["value"] is None  # no NPS asked: "no data", not zero
    assert stats["reasons"] == {"slow": 1}
    empty = client.get(
        f"{BASE}/stats?since=2001-01-01T00:00:00Z&until=2001-02-01T00:00:00Z", headers=api_headers
    ).json()
    assert empty["sent"] == 0 and empty["csat"]["value"] is None
    backwards = client.get(
        f"{BASE}/stats?since=2002-01-01T00:00:00Z&until=2001-01-01T00:00:00Z", headers=api_headers
    )
    assert backwards.status_code == 422 and backwards.json()["field"] == "since"

    [follow_up] = client.get(f"{BASE}/follow-ups", headers=api_headers).json()
    assert follow_up["owner_id"] == agent.id and follow_up["overdue"] is False
    empty_note = client.post(
        f"{BASE}/follow-ups/{follow_up['id']}/close", json={"note": ""}, headers=api_headers
    )
    assert empty_note.status_code == 422 and empty_note.json()["field"] == "note"
    closed = client.post(
        f"{BASE}/follow-ups/{follow_up['id']}/close",
        json={"note": "Called back"},
        headers=api_headers,
    )
    assert closed.status_code == 200 and closed.json()["status"] == "done"
    assert client.get(f"{BASE}/follow-ups", headers=api_headers).json() == []
    missing = client.post(
        f"{BASE}/follow-ups/999999/close", json={"note": "x"}, headers=api_headers
    )
    assert missing.status_code == 404


def test_sending_is_for_managers_and_dry_run_sends_nothing(
    client: TestClient, session: Session, manager: StaffUser, api_headers: dict[str, str]
) -> None:
    customer = make_customer(session, lifecycle_status=LifecycleStatus.ACTIVE)
    assert client.post(f"{BASE}/send?relationship=true", headers=api_headers).status_code == 403
    boss = _auth(session, manager)
    dry = client.post(f"{BASE}/send?relationship=true&dry_run=true", headers=boss).json()
    assert customer.id in dry["customer_ids"] and dry["dry_run"] is True
    real = client.post(f"{BASE}/send?relationship=true", headers=boss).json()
    assert customer.id in real["customer_ids"]
    again = client.post(f"{BASE}/send?relationship=true", headers=boss).json()
    assert customer.id not in again["customer_ids"]
