"""The demo's planted exploiters and abusers get cases; its angry-but-legitimate customers
with real problems do not."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.config import Settings
from fairdesk.customers.models import Customer
from fairdesk.demo import build_demo, plan_demo, stream
from fairdesk.demo.fairness import add_fairness, plan_fairness
from fairdesk.demo.tickets import add_tickets
from fairdesk.fairness import cases
from fairdesk.fairness.signals.compute import thresholds_for
from fairdesk.tickets.models import Ticket
from fairdesk.triage.models import MessageTriage

CUSTOMERS = 1_200


def test_planted_customers_are_told_apart(session: Session) -> None:
    summary = build_demo(session, seed=3, customers=CUSTOMERS)
    add_tickets(session, summary, stream(summary.seed, "tickets"))
    counts = add_fairness(session, summary, stream(summary.seed, "fairness"))
    assert counts.by_role == {
        "near_limit": 1,
        "not_received": 1,
        "wardrobing": 1,
        "abuser": 1,
        "angry_legit": 15,
    }
    planted = plan_fairness(plan_demo(seed=3, customers=CUSTOMERS), stream(3, "fairness"))
    ids = {ext: cid for ext, cid in session.execute(select(Customer.external_id, Customer.id))}
    truth = {ids[summary.plan.customers[p.customer]["external_id"]]: p for p in planted}
    result = cases.scan(session, thresholds=thresholds_for(session, Settings()), now=summary.now)
    opened = {c.customer_id for c in result.candidates}
    should = {cid for cid, p in truth.items() if p.exploits}
    assert should <= opened  # every planted exploiter and abuser
    assert not {cid for cid, p in truth.items() if not p.exploits} & opened
    assert any(p.high_value for p in truth.values() if not p.exploits)
    # The abuse came through real intake: triage marked it.
    abuser = next(cid for cid, p in truth.items() if p.role == "abuser")
    marked = session.scalars(
        select(MessageTriage.message_id)
        .join(Ticket, Ticket.id == MessageTriage.ticket_id)
        .where(Ticket.customer_id == abuser, MessageTriage.abusive)
    ).all()
    assert len(marked) >= 2 and abuser in opened
