"""From evidence to decision: a case opened by a real scan, read on the dossier page, dismissed
there, and the same evidence never reopens it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.fairness import cases
from fairdesk.fairness.models import CaseStatus
from fairdesk.fairness.signals.thresholds import Thresholds
from tests.conftest import login
from tests.factories import make_customer
from tests.fairness.signal_helpers import NOW, claim, delivered_order, write
from tests.web.ticket_helpers import csrf_of

T = Thresholds(min_peers=2)


def test_scan_dossier_dismiss_and_no_reopening(
    client: TestClient, session: Session, manager: StaffUser
) -> None:
    for _ in range(6):  # peers with ordinary histories
        peer = make_customer(session)
        for day in (0, 40, 80):
            delivered_order(session, peer, day=day)
    customer = make_customer(session, first_name="Rex")
    order = delivered_order(session, customer)
    ticket = claim(session, customer, order, category="quality", body="The bag was split.")
    write(session, ticket, "I will find you and hurt you, you useless idiot.")
    (case,) = cases.scan(session, thresholds=T, open_them=True, now=NOW).opened
    message_id = case.dossier["signals"][0]["evidence"]["messages"][0]

    login(client, manager)
    assert f"Case {case.id}" in client.get("/fairness").text
    page = client.get(f"/fairness/cases/{case.id}")
    assert page.status_code == 200
    assert f'href="/tickets/{ticket.id}#m{message_id}"' in page.text  # evidence links
    assert "threat" in page.text  # the staff exposed, and to what
    resp = client.post(
        f"/fairness/cases/{case.id}/decide",
        data={
            "csrf_token": csrf_of(client, f"/fairness/cases/{case.id}"),
            "customer_id": customer.id,
            "kind": "dismiss",
            "reason": "Said in anger after a real fault; apologised since",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    session.refresh(case)
    assert case.status == CaseStatus.DECIDED
    assert cases.scan(session, thresholds=T, open_them=True, now=NOW).opened == []
