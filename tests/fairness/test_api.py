"""The fairness API (managers only): cases, decisions, appeals; errors are JSON naming the
field, with nothing changed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.fairness import appeals
from fairdesk.fairness.models import FairnessDecision, FairnessRestriction
from tests.factories import make_customer, make_token, make_user
from tests.fairness.case_helpers import make_case


def _auth(session: Session, user: StaffUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(session, user)}"}


def _counts(session: Session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(FairnessDecision)) or 0,
        session.scalar(select(func.count()).select_from(FairnessRestriction)) or 0,
    )


def test_cases_are_listed_and_read_by_managers_only(
    client: TestClient, session: Session, manager: StaffUser, api_headers: dict[str, str]
) -> None:
    low = make_case(session, make_customer(session), score=1.2)
    high = make_case(session, make_customer(session), score=2.0)
    assert client.get("/api/v1/fairness/cases", headers=api_headers).status_code == 403
    headers = _auth(session, manager)
    listed = client.get("/api/v1/fairness/cases?limit=1", headers=headers).json()
    assert listed["total"] == 2 and [c["id"] for c in listed["items"]] == [high.id]
    one = client.get(f"/api/v1/fairness/cases/{low.id}", headers=headers).json()
    assert one["dossier"]["customer"]["clv"] == 412.5 and one["status"] == "open"
    assert client.get("/api/v1/fairness/cases/0", headers=headers).status_code == 422
    assert client.get("/api/v1/fairness/cases/99999999", headers=headers).status_code == 404


def test_decide_then_409_and_the_log(
    client: TestClient, session: Session, manager: StaffUser, api_headers: dict[str, str]
) -> None:
    customer = make_customer(session)
    case = make_case(session, customer)
    url = f"/api/v1/fairness/cases/{case.id}/decision"
    body = {
        "customer_id": customer.id,
        "kind": "restrict",
        "reason": "Claims",
        "restriction": "no_questions_asked_off",
    }
    assert client.post(url, json=body, headers=api_headers).status_code == 403  # an agent
    headers = _auth(session, manager)
    created = client.post(url, json=body, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["restriction"] == "no_questions_asked_off"
    assert created.json()["decided_by_id"] == manager.id
    again = client.post(url, json={**body, "kind": "dismiss", "restriction": None}, headers=headers)
    assert again.status_code == 409 and again.json()["error"] == "already_decided"
    assert again.json()["field"] == "case_id"
    log = client.get(
        f"/api/v1/fairness/decisions?decided_by_id={manager.id}&kind=restrict", headers=headers
    ).json()
    assert log["total"] == 1 and log["items"][0]["reason"] == "Claims"
    assert client.get("/api/v1/fairness/decisions?kind=warn", headers=headers).json()["total"] == 0


def test_bad_decisions_name_the_field_and_change_nothing(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    customer, other = make_customer(session), make_customer(session)
    case = make_case(session, customer)
    headers = _auth(session, manager)
    url = f"/api/v1/fairness/cases/{case.id}/decision"
    mismatch = client.post(
        url, headers=headers, json={"customer_id": other.id, "kind": "dismiss", "reason": "x"}
    )
    assert mismatch.status_code == 422 and mismatch.json()["field"] == "customer_id"
    no_policy = client.post(
        url, headers=headers, json={"customer_id": customer.id, "kind": "restrict", "reason": "x"}
    )
    assert no_policy.status_code == 422 and no_policy.json()["field"] == "restriction"
    blank = client.post(
        url, headers=headers, json={"customer_id": customer.id, "kind": "dismiss", "reason": "   "}
    )
    assert blank.status_code == 422 and blank.json()["field"] == "reason"
    unknown = client.post(
        "/api/v1/fairness/cases/99999999/decision",
        headers=headers,
        json={"customer_id": customer.id, "kind": "dismiss", "reason": "x"},
    )
    assert unknown.status_code == 404 and unknown.json()["field"] == "case_id"
    assert (
        client.post(
            url, headers=headers, json={"customer_id": customer.id, "kind": "ban", "reason": "x"}
        ).status_code
        == 422
    )
    assert _counts(session) == (0, 0)


def test_appeals_are_listed_and_decided_by_another_manager(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session)
    case = make_case(session, customer)
    headers = _auth(session, manager)
    decided = client.post(
        f"/api/v1/fairness/cases/{case.id}/decision",
        headers=headers,
        json={"customer_id": customer.id, "kind": "part_ways", "reason": "Threats"},
    ).json()
    appeal = appeals.submit(
        session, decision_id=decided["id"], customer_id=customer.id, body="Sorry"
    )
    listed = client.get("/api/v1/fairness/appeals?status=pending", headers=headers).json()
    assert [a["id"] for a in listed] == [appeal.id]
    url = f"/api/v1/fairness/appeals/{appeal.id}/decision"
    mine = client.post(url, headers=headers, json={"outcome": "overturned", "reason": "x"})
    assert mine.status_code == 403 and "different manager" in mine.json()["message"]
    other = _auth(session, make_user(session, role=Role.MANAGER))
    done = client.post(url, headers=other, json={"outcome": "upheld", "reason": "Stands"})
    assert done.status_code == 200 and done.json()["status"] == "upheld"
    assert (
        client.post(url, headers=other, json={"outcome": "upheld", "reason": "Again"}).status_code
        == 409
    )
    # A customer appeals only through the portal link; there is no API for it.
    assert (
        client.post("/api/v1/fairness/appeals", headers=other, json={"body": "x"}).status_code
        == 405
    )
