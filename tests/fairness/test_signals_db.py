"""Signals and case opening against a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry
from fairdesk.customers.models import Customer, Order
from fairdesk.fairness import cases, dossier
from fairdesk.fairness.models import CaseStatus, FairnessCase, FairnessSignal, SignalKind
from fairdesk.fairness.signals import evidence
from fairdesk.fairness.signals.compute import compute
from fairdesk.fairness.signals.thresholds import Thresholds
from fairdesk.tickets.models import Ticket
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


def test_value_is_shown_never_used_to_decide(session: Session) -> None:
    """Twins with the same evidence, one worth 5,000 and one worth 2: the same outcome."""
    from tests.fairness.signal_helpers import value

    bystanders(session, 16)
    rich, poor = not_received_exploiter(session), not_received_exploiter(session)
    value(session, rich, 5000.0)
    value(session, poor, 2.0)
    # Two more twins whose (weaker) evidence opens nothing.
    rich_ok, poor_ok = make_customer(session), make_customer(session)
    for c in (rich_ok, poor_ok):
        for day in (0, 30):
            claim(session, c, delivered_order(session, c, day=day), category="delivery")
    value(session, rich_ok, 5000.0)
    value(session, poor_ok, 2.0)
    opened = cases.scan(session, thresholds=T, open_them=True, now=NOW).opened
    by_customer = {case.customer_id: case for case in opened}
    assert set(by_customer) == {rich.id, poor.id}
    assert by_customer[rich.id].score == by_customer[poor.id].score
    assert by_customer[rich.id].signal_kinds == by_customer[poor.id].signal_kinds
    assert by_customer[rich.id].dossier["customer"]["clv"] == 5000.0  # shown
    assert by_customer[poor.id].dossier["customer"]["clv"] == 2.0


def test_abuse_through_real_triage_opens_a_case_with_staff_exposure(session: Session) -> None:
    from tests.fairness.signal_helpers import write

    bystanders(session)
    c = make_customer(session)
    ticket = claim(
        session,
        c,
        delivered_order(session, c),
        category="quality",
        body="The bag was split open when it arrived.",
    )
    write(session, ticket, "I will find you and hurt you, you useless idiot.")
    result = cases.scan(session, thresholds=T, open_them=True, now=NOW)
    (case,) = result.opened
    assert case.customer_id == c.id and case.signal_kinds == ["abuse_toward_staff"]
    (signal,) = case.dossier["signals"]
    assert signal["strength"] == 1.0 and len(signal["evidence"]["messages"]) == 1
    exposure = case.dossier["harm"]["staff_exposure"]
    assert exposure and exposure[0]["messages"] == 1 and exposure[0]["worst"] == "threat"


def _stored(session: Session) -> dict[tuple[int, str], tuple[int, float, str, str]]:
    return {
        (r.customer_id, str(r.kind)): (r.id, r.strength, r.evidence_key, r.reason)
        for r in session.execute(
            select(
                FairnessSignal.id,
                FairnessSignal.customer_id,
                FairnessSignal.kind,
                FairnessSignal.strength,
                FairnessSignal.evidence_key,
                FairnessSignal.reason,
            )
        )
    }


def test_bulk_store_inserts_new_updates_changed_and_keeps_unchanged_rows(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signals are written set-based in batches; a row that did not change keeps its id and
    columns, a changed one is updated in place and one that stopped firing is deleted."""
    monkeypatch.setattr(cases, "WRITE_BATCH", 2)  # several multi-row INSERTs
    bystanders(session)
    steady, growing, fading = (not_received_exploiter(session) for _ in range(3))
    computed = compute(session, T)
    cases.store_signals(session, computed.found, now=NOW)
    first = _stored(session)
    assert set(first) == {(f.signal.customer_id, str(f.signal.kind)) for f in computed.found}
    for f in computed.found:
        row = session.get(FairnessSignal, first[(f.signal.customer_id, str(f.signal.kind))][0])
        assert row is not None
        assert row.evidence == {**f.evidence, "figures": f.signal.figures}
        assert (row.evidence_key, row.strength, row.reason) == (
            f.key,
            f.signal.strength,
            f.signal.reason,
        )

    for day in (90, 120):
        claim(session, growing, delivered_order(session, growing, day=day), category="delivery")
    for order in session.scalars(select(Order).where(Order.customer_id == fading.id)):
        for ticket in session.scalars(select(Ticket).where(Ticket.order_id == order.id)):
            ticket.category = "quality"
    session.flush()
    later = NOW + timedelta(days=1)
    cases.store_signals(session, compute(session, T).found, now=later)
    second = _stored(session)
    claims = (str(SignalKind.NOT_RECEIVED), str(SignalKind.CLAIM_AFTER_DELIVERY))
    for kind in claims:
        assert second[(steady.id, kind)] == first[(steady.id, kind)]
        grown = (growing.id, kind)
        assert second[grown][0] == first[grown][0] and second[grown][1:] != first[grown][1:]
        assert (fading.id, kind) in first and (fading.id, kind) not in second
    stamps = set(session.scalars(select(FairnessSignal.computed_at)))
    assert len(stamps) == 1 and stamps.pop().replace(tzinfo=None) == later.replace(tzinfo=None)


def test_cases_opened_together_get_the_dossier_each_would_get_alone(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dossiers are built for all new cases at once, a chunk of customers per query; nothing
    of one customer leaks into another's, whatever the chunk size, and every opening is
    audited with its own case id."""
    from tests.fairness.signal_helpers import gesture, value

    bystanders(session)
    people = [not_received_exploiter(session) for _ in range(3)]
    value(session, people[0], 900.0)
    first_ticket = session.scalars(select(Ticket).where(Ticket.customer_id == people[1].id)).first()
    assert first_ticket is not None
    gesture(session, first_ticket, amount="12.00", remedy="store_credit")
    computed = compute(session, T)
    chosen = cases.candidates(session, computed.found, T)
    assert [c.customer_id for c in chosen] == [p.id for p in people]
    together = dossier.build_many(
        session, {c.customer_id: c.signals for c in chosen}, currency="GBP"
    )
    monkeypatch.setattr(evidence, "CHUNK", 1)
    alone = {
        c.customer_id: dossier.build_many(session, {c.customer_id: c.signals}, currency="GBP")[
            c.customer_id
        ]
        for c in chosen
    }
    assert together == alone
    assert together[people[0].id]["customer"]["clv"] == 900.0
    assert together[people[1].id]["harm"]["gestures_total"] == "12.00"
    assert together[people[2].id]["harm"]["gestures_total"] == "0.00"

    opened = cases.scan(session, thresholds=T, open_them=True, now=NOW).opened
    assert {c.customer_id: c.dossier for c in opened} == together
    audits = session.execute(
        select(AuditEntry.entity_id, AuditEntry.details).where(
            AuditEntry.action == "fairness.case.open"
        )
    ).all()
    assert sorted(audits, key=lambda a: int(a[0])) == [
        (str(c.id), {"customer_id": c.customer_id, "score": c.score, "kinds": c.signal_kinds})
        for c in sorted(opened, key=lambda c: c.id)
    ]


def test_dossier_history_masks_abusive_words_in_ticket_subjects(session: Session) -> None:
    bystanders(session)
    c = not_received_exploiter(session)
    rude = session.scalars(select(Ticket).where(Ticket.customer_id == c.id)).first()
    assert rude is not None
    rude.subject = "Where is my parcel, you useless idiot"
    session.flush()
    result = cases.scan(session, thresholds=T, open_them=True, now=NOW)
    (case,) = result.opened
    (shown,) = [
        e["text"] for e in case.dossier["history"] if e["kind"] == "ticket" and e["ref"] == rude.id
    ]
    assert shown.startswith(f"{rude.reference} Where is my parcel")
    assert "idiot" not in shown and "useless" not in shown
    assert rude.subject.endswith("useless idiot")  # the stored subject is untouched
