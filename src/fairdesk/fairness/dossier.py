"""The one-page evidence dossier a case is opened with (shape agreed for the review pages).

Value, segment and persona are *shown* here so the manager sees the whole customer; nothing
in the opening rule reads them (``opening.py``). Harm is shown on both sides: what the
business lost to claims and which staff were exposed to what.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.clv import service as clv_service
from fairdesk.customers.models import Customer, Order, OrderStatus
from fairdesk.fairness.models import FairnessSignal
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.personas import service as persona_service
from fairdesk.segments import service as segment_service
from fairdesk.tickets.models import Ticket
from fairdesk.triage.models import MessageTriage

HISTORY_ROWS = 40
# Worst first; triage's evidence kinds mapped onto the four words the dossier uses.
SEVERITY = {"insult": 1, "harassment": 2, "slur": 3, "threat": 4}
_WORD = {"slur": "slur", "threat": "threat", "harassment": "harassment"}


def _customer(session: Session, customer: Customer, currency: str) -> dict[str, Any]:
    orders = session.execute(
        select(
            func.count(), func.sum(Order.amount - Order.refunded_amount), func.min(Order.placed_at)
        ).where(Order.customer_id == customer.id, Order.status != OrderStatus.CANCELLED)
    ).one()
    tickets = session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.customer_id == customer.id)
    )
    score = segment_service.score_of(session, customer.id)
    value = clv_service.value_of(session, customer.id)
    persona = persona_service.persona_for_customer(session, customer.id)
    return {
        "id": customer.id,
        "name": customer.display_name,
        "email": customer.email,
        "segment": segment_service.rfm_label(score.rfm_segment)[0] if score else None,
        "persona": persona["name"] if persona else None,
        "clv": round(value.clv, 2) if value else None,
        "p_alive": round(value.p_alive, 3) if value else None,
        "orders": int(orders[0] or 0),
        "spend": str(Decimal(orders[1] or 0).quantize(Decimal("0.01"))),
        "currency": currency,
        "first_order_at": orders[2].isoformat() if orders[2] else None,
        "tickets": int(tickets or 0),
    }


def _harm(session: Session, customer_id: int, currency: str) -> dict[str, Any]:
    refunded = session.scalar(
        select(func.coalesce(func.sum(Order.refunded_amount), 0)).where(
            Order.customer_id == customer_id
        )
    ) or Decimal(0)
    granted = session.execute(
        select(Gesture.remedy, Gesture.amount).where(
            Gesture.customer_id == customer_id, Gesture.status == GestureStatus.GRANTED
        )
    ).all()
    # Refund gestures already show in the orders' refunded amounts.
    other = sum((Decimal(a) for r, a in granted if r != "refund"), Decimal(0))
    claims = (
        session.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.customer_id == customer_id, Ticket.order_id.is_not(None))
        )
        or 0
    )
    return {
        "money_lost": str(Decimal(refunded + other).quantize(Decimal("0.01"))),
        "currency": currency,
        "claims": int(claims),
        "gestures_total": str(
            sum((Decimal(a) for _, a in granted), Decimal(0)).quantize(Decimal("0.01"))
        ),
        "staff_exposure": _exposure(session, customer_id),
    }


def _exposure(session: Session, customer_id: int) -> list[dict[str, Any]]:
    """Per staff member who held the ticket: abusive messages received and the worst kind."""
    rows = session.execute(
        select(Ticket.assignee_id, StaffUser.name, MessageTriage.abuse_kinds, MessageTriage.threat)
        .join(Ticket, Ticket.id == MessageTriage.ticket_id)
        .outerjoin(StaffUser, StaffUser.id == Ticket.assignee_id)
        .where(Ticket.customer_id == customer_id, (MessageTriage.abusive) | (MessageTriage.threat))
    ).all()
    per: dict[int | None, dict[str, Any]] = defaultdict(
        lambda: {"messages": 0, "worst": "insult", "name": "unassigned"}
    )
    for staff_id, name, kinds, threat in rows:
        entry = per[staff_id]
        entry["messages"] += 1
        entry["name"] = name or "unassigned"
        words = {_WORD.get(k, "insult") for k in (kinds or [])} | ({"threat"} if threat else set())
        for word in words:
            if SEVERITY[word] > SEVERITY[entry["worst"]]:
                entry["worst"] = word
    return [
        {"staff_id": sid, "name": e["name"], "messages": e["messages"], "worst": e["worst"]}
        for sid, e in sorted(per.items(), key=lambda kv: (-kv[1]["messages"], kv[0] or 0))
    ]


def _history(session: Session, customer_id: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for o in session.scalars(select(Order).where(Order.customer_id == customer_id)):
        events.append(
            {
                "at": o.placed_at,
                "kind": "order",
                "ref": o.id,
                "text": f"Order {o.external_id}, {o.amount} {o.currency}, {o.status}",
            }
        )
        if o.refunded_amount > 0:
            events.append(
                {
                    "at": o.updated_at,
                    "kind": "refund",
                    "ref": o.id,
                    "text": f"{o.refunded_amount} {o.currency} refunded on {o.external_id}",
                }
            )
    for t in session.scalars(select(Ticket).where(Ticket.customer_id == customer_id)):
        events.append(
            {
                "at": t.created_at,
                "kind": "ticket",
                "ref": t.id,
                "text": f"{t.reference} {t.subject} ({t.category or 'no category'}, {t.status})",
            }
        )
    for g in session.scalars(select(Gesture).where(Gesture.customer_id == customer_id)):
        events.append(
            {
                "at": g.created_at,
                "kind": "gesture",
                "ref": g.id,
                "text": f"{g.remedy} {g.amount} {g.currency}, {g.status}",
            }
        )
    events.sort(key=lambda e: (e["at"], e["kind"], e["ref"]), reverse=True)
    return [{**e, "at": e["at"].isoformat()} for e in events[:HISTORY_ROWS]]


def build(
    session: Session, *, customer: Customer, signals: list[FairnessSignal], currency: str
) -> dict[str, Any]:
    """The dossier JSON for ``customer`` with the signals the case is opened on."""
    return {
        "customer": _customer(session, customer, currency),
        "signals": [
            {
                "kind": str(s.kind),
                "strength": s.strength,
                "reason": s.reason,
                "evidence": {k: v for k, v in s.evidence.items() if k != "figures"},
                "figures": s.evidence.get("figures", {}),
            }
            for s in sorted(signals, key=lambda s: -s.strength)
        ],
        "harm": _harm(session, customer.id, currency),
        "history": _history(session, customer.id),
    }
