"""Builders for decision and appeal tests: an open case with a dossier in the shape case
opening writes, and a signal with its evidence key."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy.orm import Session

from fairdesk.customers.models import Customer
from fairdesk.fairness.models import FairnessCase, FairnessSignal, SignalKind


def make_signal(
    session: Session,
    customer: Customer,
    *,
    kind: SignalKind = SignalKind.NOT_RECEIVED,
    strength: float = 0.9,
    evidence: dict[str, Any] | None = None,
) -> FairnessSignal:
    evidence = evidence or {"orders": [], "tickets": []}
    signal = FairnessSignal(
        customer_id=customer.id,
        kind=kind,
        strength=strength,
        reason="Reported 4 orders as not received (a signal from 3).",
        evidence=evidence,
        evidence_key=hashlib.sha256(repr(sorted(evidence.items())).encode()).hexdigest(),
    )
    session.add(signal)
    session.flush()
    return signal


def make_case(
    session: Session,
    customer: Customer,
    *,
    score: float = 1.8,
    summary: str = "4 claims",
    signals: list[dict[str, Any]] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> FairnessCase:
    dossier: dict[str, Any] = {
        "customer": {
            "id": customer.id,
            "name": customer.display_name,
            "email": customer.email,
            "segment": "at_risk",
            "persona": None,
            "clv": 412.5,
            "p_alive": 0.8,
            "orders": 6,
            "spend": "310.00",
            "currency": "GBP",
            "first_order_at": "2025-01-04T10:00:00+00:00",
            "tickets": 5,
        },
        "signals": signals
        if signals is not None
        else [
            {
                "kind": "not_received",
                "strength": 0.9,
                "reason": "Reported 4 orders as not received (a signal from 3).",
                "evidence": {"orders": [], "tickets": [], "messages": [], "gestures": []},
            }
        ],
        "harm": {
            "money_lost": "86.40",
            "currency": "GBP",
            "claims": 4,
            "gestures_total": "86.40",
            "staff_exposure": [],
        },
        "history": history or [],
    }
    case = FairnessCase(
        customer_id=customer.id,
        score=score,
        summary=summary,
        signal_kinds=[s["kind"] for s in dossier["signals"]],
        evidence_key=hashlib.sha256(f"{customer.id}:{score}".encode()).hexdigest(),
        dossier=dossier,
    )
    session.add(case)
    session.flush()
    return case
