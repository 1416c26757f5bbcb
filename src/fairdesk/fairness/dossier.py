"""The one-page evidence dossier a case is opened with (shape agreed for the review pages).

Value, segment and persona are *shown* here so the manager sees the whole customer; nothing
in the opening rule reads them (``opening.py``). Harm is shown on both sides: what the
business lost to claims and which staff were exposed to what.

``build_many`` builds the dossiers of every case a scan opens from a handful of set-based
queries per chunk of customers (their orders, tickets, gestures, abusive messages, scores,
values and personas), not a dozen queries per case: a first scan opens thousands of cases.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.clv import service as clv_service
from fairdesk.customers.models import Customer, Order, OrderStatus
from fairdesk.fairness.protection.masking import masked_subject
from fairdesk.fairness.signals.compute import Found
from fairdesk.fairness.signals.evidence import chunks
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.personas import card as persona_card
from fairdesk.personas.models import Persona
from fairdesk.segments import service as segment_service
from fairdesk.segments.models import CustomerScore
from fairdesk.tickets.models import Ticket
from fairdesk.triage.models import MessageTriage

HISTORY_ROWS = 40
# Worst first; triage's evidence kinds mapped onto the four words the dossier uses.
SEVERITY = {"insult": 1, "harassment": 2, "slur": 3, "threat": 4}
_WORD = {"slur": "slur", "threat": "threat", "harassment": "harassment"}
CENTS = Decimal("0.01")


class _Rows:
    """Everything the dossiers of one chunk of customers read, grouped by customer id."""

    def __init__(self, session: Session, ids: list[int]) -> None:
        self.customers = {
            c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(ids)))
        }
        self.orders: dict[int, list[Any]] = defaultdict(list)
        for o in session.execute(
            select(
                Order.customer_id,
                Order.id,
                Order.external_id,
                Order.placed_at,
                Order.updated_at,
                Order.amount,
                Order.refunded_amount,
                Order.currency,
                Order.status,
            ).where(Order.customer_id.in_(ids))
        ):
            self.orders[o.customer_id].append(o)
        self.tickets: dict[int, list[Any]] = defaultdict(list)
        for t in session.execute(
            select(
                Ticket.customer_id,
                Ticket.id,
                Ticket.reference,
                Ticket.subject,
                Ticket.category,
                Ticket.status,
                Ticket.order_id,
                Ticket.created_at,
            ).where(Ticket.customer_id.in_(ids))
        ):
            self.tickets[t.customer_id].append(t)
        self.gestures: dict[int, list[Any]] = defaultdict(list)
        for g in session.execute(
            select(
                Gesture.customer_id,
                Gesture.id,
                Gesture.remedy,
                Gesture.amount,
                Gesture.currency,
                Gesture.status,
                Gesture.created_at,
            ).where(Gesture.customer_id.in_(ids))
        ):
            self.gestures[g.customer_id].append(g)
        self.abuse: dict[int, list[Any]] = defaultdict(list)
        for a in session.execute(
            select(
                Ticket.customer_id,
                Ticket.assignee_id,
                StaffUser.name,
                MessageTriage.abuse_kinds,
                MessageTriage.threat,
            )
            .join(Ticket, Ticket.id == MessageTriage.ticket_id)
            .outerjoin(StaffUser, StaffUser.id == Ticket.assignee_id)
            .where(Ticket.customer_id.in_(ids), MessageTriage.abusive | MessageTriage.threat)
        ):
            self.abuse[a.customer_id].append(a)
        self.scores = {
            s.customer_id: s
            for s in session.execute(
                select(
                    CustomerScore.customer_id, CustomerScore.rfm_segment, CustomerScore.persona_id
                ).where(CustomerScore.customer_id.in_(ids))
            )
        }
        persona_ids = {s.persona_id for s in self.scores.values() if s.persona_id}
        self.personas = {
            p.id: persona_card.display_name(p)
            for p in session.scalars(select(Persona).where(Persona.id.in_(persona_ids)))
        }
        self.values = clv_service.values_for(session, ids)


def _customer(rows: _Rows, customer: Customer, currency: str) -> dict[str, Any]:
    live = [o for o in rows.orders[customer.id] if o.status != OrderStatus.CANCELLED]
    first = min((o.placed_at for o in live), default=None)
    score = rows.scores.get(customer.id)
    value = rows.values.get(customer.id)
    persona = rows.personas.get(score.persona_id) if score and score.persona_id else None
    return {
        "id": customer.id,
        "name": customer.display_name,
        "email": customer.email,
        "segment": segment_service.rfm_label(score.rfm_segment)[0] if score else None,
        "persona": persona,
        "clv": round(value.clv, 2) if value else None,
        "p_alive": round(value.p_alive, 3) if value else None,
        "orders": len(live),
        "spend": str(sum((o.amount - o.refunded_amount for o in live), Decimal(0)).quantize(CENTS)),
        "currency": currency,
        "first_order_at": first.isoformat() if first else None,
        "tickets": len(rows.tickets[customer.id]),
    }


def _harm(rows: _Rows, customer_id: int, currency: str) -> dict[str, Any]:
    refunded = sum((o.refunded_amount for o in rows.orders[customer_id]), Decimal(0))
    granted = [g for g in rows.gestures[customer_id] if g.status == GestureStatus.GRANTED]
    # Refund gestures already show in the orders' refunded amounts.
    other = sum((Decimal(g.amount) for g in granted if g.remedy != "refund"), Decimal(0))
    return {
        "money_lost": str(Decimal(refunded + other).quantize(CENTS)),
        "currency": currency,
        "claims": sum(1 for t in rows.tickets[customer_id] if t.order_id is not None),
        "gestures_total": str(
            sum((Decimal(g.amount) for g in granted), Decimal(0)).quantize(CENTS)
        ),
        "staff_exposure": _exposure(rows.abuse[customer_id]),
    }


def _exposure(abusive: list[Any]) -> list[dict[str, Any]]:
    """Per staff member who held the ticket: abusive messages received and the worst kind."""
    per: dict[int | None, dict[str, Any]] = defaultdict(
        lambda: {"messages": 0, "worst": "insult", "name": "unassigned"}
    )
    for _customer_id, staff_id, name, kinds, threat in abusive:
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


def _history(rows: _Rows, customer_id: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for o in rows.orders[customer_id]:
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
    for t in rows.tickets[customer_id]:
        events.append(
            {
                "at": t.created_at,
                "kind": "ticket",
                "ref": t.id,
                "text": f"{t.reference} {masked_subject(t.subject)} "
                f"({t.category or 'no category'}, {t.status})",
            }
        )
    for g in rows.gestures[customer_id]:
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


def _signal(found: Found) -> dict[str, Any]:
    sig = found.signal
    return {
        "kind": str(sig.kind),
        "strength": sig.strength,
        "reason": sig.reason,
        "evidence": found.evidence,
        "figures": sig.figures,
    }


def build_many(
    session: Session, signals: Mapping[int, Sequence[Found]], *, currency: str
) -> dict[int, dict[str, Any]]:
    """The dossier JSON of each customer in ``signals`` (customer id -> the signals the case
    is opened on); customers that no longer exist get none."""
    out: dict[int, dict[str, Any]] = {}
    for ids in chunks(list(signals)):
        rows = _Rows(session, ids)
        for cid in ids:
            customer = rows.customers.get(cid)
            if customer is None:
                continue
            out[cid] = {
                "customer": _customer(rows, customer, currency),
                "signals": [
                    _signal(f) for f in sorted(signals[cid], key=lambda f: -f.signal.strength)
                ],
                "harm": _harm(rows, cid, currency),
                "history": _history(rows, cid),
            }
    return out
