"""Signals and case opening against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry
from fairdesk.customers.models import Customer
from fairdesk.fairness import cases
from fairdesk.fairness.models import CaseStatus, FairnessCase, FairnessSignal, SignalKind
from fairdesk.fairness.signals.compute import compute
from fairdesk.fairness.signals.thresholds import Thresholds
from tests.factories import make_customer
from tests.fairness.signal_helpers import NOW, claim, delivered_order

T = Thresholds(min_peers=2)


def not_received_exploiter(session: Session) -> Customer:
    """Three orders, each delivered and then claimed as never received."""
    c = make_customer(session)
    for day in (0, 30, 60):
        claim(session, c, delivered_order(session, c, day=day), category="delivery")
    return c


def bystanders(session: Session, n: int = 6) -> list[Customer]:
    people = []
    for _ in range(n):
        c = make_customer(session)
        for day in (0, 40, 80):
            delivered_order(session, c, day=day)
        people.append(c)
    return people


def test_empty_database_scans_to_nothing(session: Session) -> None:
    result = cases.scan(session, thresholds=T, open_them=True, now=NOW)
    assert (result.customers, result.signals, result.opened) == (0, 0, [])


def test_customers_without_orders_get_no_claim_rate(session: Session) -> None:
    make_customer(session)
    make_customer(session)
    computed = compute(session, T)
    assert len(computed.summaries) == 2
    assert computed.found == []


def test_not_received_on_delivered_orders_opens_one_case(session: Session) -> None:
    bystanders(session)
    c = not_received_exploiter(session)
    dry = cases.scan(session, thresholds=T, now=NOW)
    assert [cand.customer_id for cand in dry.candidates] == [c.id]
    assert session.scalar(select(func.count()).select_from(FairnessSignal)) == 0  # dry run
    result = cases.scan(session, thresholds=T, open_them=True, now=NOW)
    assert [case.customer_id for case in result.opened] == [c.id]
    case = result.opened[0]
    assert {"not_received", "claim_after_delivery"} <= set(case.signal_kinds)
    kinds = {s["kind"]: s for s in case.dossier["signals"]}
    after = kinds["claim_after_delivery"]
    assert len(after["evidence"]["tickets"]) == 3 and len(after["evidence"]["orders"]) == 3
    assert "confirmed" in after["reason"] and "3 not-received claims" in after["reason"]
    assert case.dossier["customer"]["orders"] == 3
    assert case.dossier["harm"]["claims"] == 3
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "fairness.case.open")
        )
        == 1
    )
    # Recomputing never opens a second case while one is open.
    again = cases.scan(session, thresholds=T, open_them=True, now=NOW)
    assert again.opened == []


def test_dismissed_evidence_never_reopens_but_new_evidence_does(session: Session) -> None:
    bystanders(session)
    c = not_received_exploiter(session)
    case = cases.scan(session, thresholds=T, open_them=True, now=NOW).opened[0]
    case.status = CaseStatus.DECIDED  # what H2's dismissal does, with mark_reviewed
    assert cases.mark_reviewed(session, customer_id=c.id, now=NOW) >= 2
    session.flush()
    assert cases.scan(session, thresholds=T, open_them=True, now=NOW).opened == []
    for day in (90, 120):
        claim(session, c, delivered_order(session, c, day=day), category="delivery")
    reopened = cases.scan(session, thresholds=T, open_them=True, now=NOW).opened
    assert [x.customer_id for x in reopened] == [c.id]
    assert (
        session.scalar(
            select(func.count()).select_from(FairnessCase).where(FairnessCase.customer_id == c.id)
        )
        == 2
    )


def test_signal_rows_follow_the_evidence(session: Session) -> None:
    bystanders(session)
    c = not_received_exploiter(session)
    cases.scan(session, thresholds=T, open_them=True, now=NOW)
    row = session.scalar(
        select(FairnessSignal).where(
            FairnessSignal.customer_id == c.id, FairnessSignal.kind == SignalKind.NOT_RECEIVED
        )
    )
    assert row is not None and row.strength == 0.5 and len(row.evidence_key) == 64
    assert row.evidence["figures"] == {"not_received": 3}
