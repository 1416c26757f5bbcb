"""Fairness pages over real HTTP: queue, dossier, decision form, portal appeal, appeal review,
decisions log; refusals keep what was typed and change nothing; user text is escaped."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.fairness import links, restrictions
from fairdesk.fairness.models import (
    AppealStatus,
    CaseStatus,
    FairnessAppeal,
    FairnessDecision,
    RestrictionKind,
)
from fairdesk.tickets import portal
from tests.conftest import login
from tests.factories import make_customer, make_order, make_user
from tests.fairness.case_helpers import make_case
from tests.web.ticket_helpers import csrf_of, new_ticket

SCRIPT = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"


def _decide(client: TestClient, case_id: int, csrf: str, **form: str | int) -> Response:
    resp: Response = client.post(
        f"/fairness/cases/{case_id}/decide",
        data={"csrf_token": csrf, **form},
        follow_redirects=False,
    )
    return resp


def test_queue_lists_open_cases_strongest_first_for_managers_only(
    client: TestClient, session: Session, manager: StaffUser, agent: StaffUser
) -> None:
    weak = make_case(session, make_customer(session, first_name="Weak"), score=1.1)
    strong = make_case(session, make_customer(session, first_name="Strong"), score=2.4)
    login(client, agent)
    assert client.get("/fairness").status_code == 403
    assert "/fairness" not in client.get("/inbox").text.split("</nav>")[0]
    client.cookies.clear()
    login(client, manager)
    page = client.get("/fairness")
    assert page.status_code == 200 and '<a href="/fairness">Fairness</a>' in page.text
    assert page.text.index(f"Case {strong.id}") < page.text.index(f"Case {weak.id}")


def test_dossier_links_evidence_and_shows_value_without_using_it(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session, first_name="Dora")
    order = make_order(session, customer)
    ticket = new_ticket(session, customer)
    case = make_case(
        session,
        customer,
        signals=[
            {
                "kind": "claim_after_delivery",
                "strength": 1.0,
                "reason": f"Claimed on delivered orders {SCRIPT}",
                "evidence": {
                    "orders": [order.id],
                    "tickets": [ticket.id],
                    "messages": [],
                    "gestures": [],
                },
            }
        ],
        history=[
            {
                "at": "2026-10-01T10:00:00",
                "kind": "ticket",
                "text": ticket.subject,
                "ref": ticket.id,
            }
        ],
    )
    login(client, manager)
    page = client.get(f"/fairness/cases/{case.id}")
    assert page.status_code == 200
    assert f'href="/tickets/{ticket.id}"' in page.text
    assert f"order {order.external_id}" in page.text
    assert "£412.50" in page.text and "Shown, not used." in page.text
    assert ESCAPED in page.text and SCRIPT not in page.text
    assert "Hello Dora," in page.text  # the warning template, ready to edit


def test_decide_restrict_through_the_form_then_a_second_try_is_refused(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session)
    case = make_case(session, customer)
    login(client, manager)
    csrf = csrf_of(client, f"/fairness/cases/{case.id}")
    resp = _decide(
        client,
        case.id,
        csrf,
        customer_id=customer.id,
        kind="restrict",
        restriction="email_only",
        reason=f"Abusive calls {SCRIPT}",
    )
    assert resp.status_code == 303
    assert restrictions.active_kinds(session, customer_id=customer.id) == {
        RestrictionKind.EMAIL_ONLY
    }
    page = client.get(f"/fairness/cases/{case.id}")
    assert "Decided: restrict" in page.text and ESCAPED in page.text and SCRIPT not in page.text
    again = _decide(client, case.id, csrf, customer_id=customer.id, kind="dismiss", reason="no")
    assert again.status_code == 409
    assert "already decided" in again.text
    assert session.scalar(select(func.count()).select_from(FairnessDecision)) == 1
    log = client.get("/fairness/decisions?kind=restrict")
    assert ESCAPED in log.text and SCRIPT not in log.text and manager.name in log.text
    assert "No decisions match." in client.get("/fairness/decisions?kind=warn").text
    assert client.get("/fairness/decisions?kind=ban").status_code == 422


def test_bad_form_input_keeps_what_was_typed(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    customer, other = make_customer(session), make_customer(session)
    case = make_case(session, customer)
    login(client, manager)
    csrf = csrf_of(client, f"/fairness/cases/{case.id}")
    no_policy = _decide(
        client, case.id, csrf, customer_id=customer.id, kind="restrict", reason="Kept reason <b>"
    )
    assert no_policy.status_code == 422
    assert "choose one policy" in no_policy.text
    assert "Kept reason &lt;b&gt;" in no_policy.text
    mismatch = _decide(client, case.id, csrf, customer_id=other.id, kind="dismiss", reason="x")
    assert mismatch.status_code == 422
    no_csrf = client.post(
        f"/fairness/cases/{case.id}/decide",
        data={"customer_id": customer.id, "kind": "dismiss", "reason": "x"},
    )
    assert no_csrf.status_code == 403
    assert client.get("/fairness/cases/999999999").status_code == 404
    session.refresh(case)
    assert case.status == CaseStatus.OPEN


def test_portal_appeal_then_a_different_manager_overturns(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session)
    case = make_case(session, customer)
    login(client, manager)
    csrf = csrf_of(client, f"/fairness/cases/{case.id}")
    _decide(
        client,
        case.id,
        csrf,
        customer_id=customer.id,
        kind="restrict",
        restriction="receipts_required",
        reason="Nine claims without receipts",
    )
    decision = session.scalars(select(FairnessDecision)).one()
    client.cookies.clear()  # the customer: no account, only the link

    token = links.sign(decision_id=decision.id, customer_id=customer.id)
    page = client.get(f"/portal/decisions/{token}")
    assert page.status_code == 200 and "Appeal this decision" in page.text
    assert restrictions.CUSTOMER_WORDS[RestrictionKind.RECEIPTS_REQUIRED] in page.text
    assert "Nine claims without receipts" in page.text
    assert page.headers["cache-control"] == "no-store"
    portal_csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert portal_csrf is not None
    empty = client.post(
        f"/portal/decisions/{token}/appeal", data={"csrf_token": portal_csrf.group(1), "body": "  "}
    )
    assert empty.status_code == 422 and "Write why you disagree" in empty.text
    sent = client.post(
        f"/portal/decisions/{token}/appeal",
        data={"csrf_token": portal_csrf.group(1), "body": f"I kept them {SCRIPT}"},
    )
    assert sent.status_code == 200 and "your appeal was received" in sent.text
    assert ESCAPED in sent.text and SCRIPT not in sent.text
    assert "Appeal this decision" not in sent.text  # one appeal per decision

    login(client, manager)  # the decider is told someone else must review it
    mine = client.get("/fairness/appeals")
    assert "a different manager must review" in mine.text and "Overturn it" not in mine.text
    assert ESCAPED in mine.text and SCRIPT not in mine.text
    appeal = session.scalars(select(FairnessAppeal)).one()
    refused = client.post(
        f"/fairness/appeals/{appeal.id}",
        follow_redirects=True,
        data={
            "csrf_token": csrf_of(client, "/fairness/appeals"),
            "outcome": "overturned",
            "reason": "mine",
        },
    )
    assert "a different manager must review it" in refused.text
    session.refresh(appeal)
    assert appeal.status == AppealStatus.PENDING

    client.cookies.clear()
    second = make_user(session, role=Role.MANAGER, name="Second Opinion")
    login(client, second)
    done = client.post(
        f"/fairness/appeals/{appeal.id}",
        follow_redirects=True,
        data={
            "csrf_token": csrf_of(client, "/fairness/appeals"),
            "outcome": "overturned",
            "reason": "Receipts were on file",
        },
    )
    assert "Appeal overturned; the customer has been told." in done.text
    assert restrictions.active_kinds(session, customer_id=customer.id) == frozenset()
    client.cookies.clear()
    after = client.get(f"/portal/decisions/{token}")
    assert "We overturned the decision" in after.text


def test_the_appeal_waits_when_no_other_manager_exists(
    client: TestClient, session: Session
) -> None:
    only = session.scalars(select(StaffUser).where(StaffUser.role.in_(("manager", "admin"))))
    assert list(only) == []
    solo = make_user(session, role=Role.MANAGER)
    customer = make_customer(session)
    case = make_case(session, customer)
    login(client, solo)
    _decide(
        client,
        case.id,
        csrf_of(client, f"/fairness/cases/{case.id}"),
        customer_id=customer.id,
        kind="part_ways",
        reason="Threats",
    )
    decision = session.scalars(select(FairnessDecision)).one()
    client.cookies.clear()
    token = links.sign(decision_id=decision.id, customer_id=customer.id)
    page = client.get(f"/portal/decisions/{token}")
    assert "end our relationship" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    client.post(
        f"/portal/decisions/{token}/appeal", data={"csrf_token": csrf.group(1), "body": "Please"}
    )
    login(client, solo)
    queue = client.get("/fairness/appeals")
    assert "There is no other manager yet: it waits until one is added." in queue.text


def test_portal_refuses_bad_and_foreign_links(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    customer, stranger = make_customer(session), make_customer(session)
    case = make_case(session, customer)
    login(client, manager)
    _decide(
        client,
        case.id,
        csrf_of(client, f"/fairness/cases/{case.id}"),
        customer_id=customer.id,
        kind="restrict",
        restriction="email_only",
        reason="x",
    )
    decision = session.scalars(select(FairnessDecision)).one()
    client.cookies.clear()
    assert client.get("/portal/decisions/not-a-token").status_code == 403
    foreign = links.sign(decision_id=decision.id, customer_id=stranger.id)
    assert client.get(f"/portal/decisions/{foreign}").status_code == 404
    assert client.get(f"/portal/decisions/{'a' * 500}").status_code == 403


def test_the_ticket_sidebar_shows_a_decided_restriction_only(
    client: TestClient, session: Session, manager: StaffUser, agent: StaffUser
) -> None:
    customer = make_customer(session)
    ticket = new_ticket(session, customer)
    case = make_case(session, customer)
    login(client, agent)
    assert "Decided by a manager" not in client.get(f"/tickets/{ticket.id}").text  # open case
    client.cookies.clear()
    login(client, manager)
    csrf = csrf_of(client, f"/fairness/cases/{case.id}")
    _decide(
        client,
        case.id,
        csrf,
        customer_id=customer.id,
        kind="restrict",
        restriction="email_only",
        reason="Abusive calls",
    )
    client.cookies.clear()
    login(client, agent)
    page = client.get(f"/tickets/{ticket.id}").text
    assert "Decided by a manager" in page
    assert restrictions.STAFF_WORDS[RestrictionKind.EMAIL_ONLY] in page


def test_the_case_portal_mentions_a_decided_restriction_and_links_the_appeal(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    customer = make_customer(session)
    ticket = new_ticket(session, customer)
    case = make_case(session, customer)
    case_link = f"/portal/t/{portal.sign(ticket_id=ticket.id, customer_id=customer.id)}"
    assert "A decision about your account" not in client.get(case_link).text  # open case only
    login(client, manager)
    _decide(
        client,
        case.id,
        csrf_of(client, f"/fairness/cases/{case.id}"),
        customer_id=customer.id,
        kind="restrict",
        restriction="no_questions_asked_off",
        reason="Claims",
    )
    client.cookies.clear()
    page = client.get(case_link).text
    assert "A decision about your account" in page
    found = re.search(r'href="(/portal/decisions/[^"]+)"', page)
    assert found is not None
    assert "Appeal this decision" in client.get(found.group(1)).text
