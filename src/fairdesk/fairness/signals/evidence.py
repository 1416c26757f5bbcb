"""The ids behind each signal: the orders, tickets, messages and gestures that produced it.

Only the few customers whose signals fire are looked up, by id, so this costs nothing next to
the summary pass. The rules mirror ``summary.summary_query`` row for row; the digest of the
ids (``evidence_key``) is what a dismissal marks reviewed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from fairdesk.customers.models import Order
from fairdesk.fairness.models import InteractionRating, SignalKind
from fairdesk.fairness.signals.thresholds import Thresholds
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.tickets.models import Ticket
from fairdesk.triage.models import MessageTriage

EVIDENCE_KINDS = ("orders", "tickets", "messages", "gestures")
CHUNK = 500
Evidence = dict[str, list[int]]


def empty() -> Evidence:
    return {name: [] for name in EVIDENCE_KINDS}


def evidence_key(kind: str, evidence: Evidence) -> str:
    """A digest of the kind and the sorted ids: equal evidence, equal key."""
    canonical = {name: sorted(set(evidence.get(name, []))) for name in EVIDENCE_KINDS}
    raw = json.dumps([kind, canonical], separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(raw.encode()).hexdigest()


def chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    """The distinct ids in ascending order, ``CHUNK`` at a time (short ``IN`` lists)."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


class _Collector:
    def __init__(self) -> None:
        self.found: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))

    def add(self, customer_id: int, **ids: int | None) -> None:
        for name, value in ids.items():
            if value is not None:
                self.found[customer_id][name].add(int(value))

    def result(self, customer_ids: Sequence[int]) -> dict[int, Evidence]:
        return {
            cid: {name: sorted(self.found[cid][name]) for name in EVIDENCE_KINDS}
            for cid in customer_ids
        }


def _live_gesture() -> Any:
    return and_(Gesture.status != GestureStatus.DECLINED, Gesture.amount > 0)


def _claims(session: Session, ids: list[int], _t: Thresholds, out: _Collector) -> None:
    for cid, oid in session.execute(
        select(Order.customer_id, Order.id).where(
            Order.customer_id.in_(ids), Order.refunded_amount > 0
        )
    ):
        out.add(cid, orders=oid)
    for cid, tid, t_oid in session.execute(
        select(Ticket.customer_id, Ticket.id, Ticket.order_id).where(
            Ticket.customer_id.in_(ids), Ticket.order_id.is_not(None)
        )
    ):
        out.add(cid, tickets=tid, orders=t_oid)
    for cid, gid, g_oid in session.execute(
        select(Gesture.customer_id, Gesture.id, Gesture.order_id).where(
            Gesture.customer_id.in_(ids), _live_gesture()
        )
    ):
        out.add(cid, gestures=gid, orders=g_oid)


def _near_limit(session: Session, ids: list[int], t: Thresholds, out: _Collector) -> None:
    near = or_(*(Gesture.amount.between(low, high) for low, high in t.bands()))
    for cid, gid, tid, oid in session.execute(
        select(Gesture.customer_id, Gesture.id, Gesture.ticket_id, Gesture.order_id).where(
            Gesture.customer_id.in_(ids), _live_gesture(), near
        )
    ):
        out.add(cid, gestures=gid, tickets=tid, orders=oid)


def _not_received(
    session: Session, ids: list[int], t: Thresholds, out: _Collector, *, delivered: bool
) -> None:
    query = select(Ticket.customer_id, Ticket.id, Ticket.order_id).where(
        Ticket.customer_id.in_(ids), Ticket.category.in_(t.not_received_categories)
    )
    if delivered:
        query = query.join(Order, Order.id == Ticket.order_id).where(
            Order.delivered_at.is_not(None), Order.delivered_at < Ticket.created_at
        )
    for cid, tid, oid in session.execute(query):
        out.add(cid, tickets=tid, orders=oid)


def _wardrobing(session: Session, ids: list[int], t: Thresholds, out: _Collector) -> None:
    rows = session.execute(
        select(
            Order.customer_id,
            Order.id,
            Order.amount,
            Order.refunded_amount,
            Order.delivered_at,
            Order.updated_at,
        ).where(
            Order.customer_id.in_(ids), Order.refunded_amount > 0, Order.delivered_at.is_not(None)
        )
    ).all()
    first: dict[int | None, tuple[Any, int]] = {}
    for oid, tid, at in session.execute(
        select(Ticket.order_id, Ticket.id, Ticket.created_at)
        .where(Ticket.order_id.in_([r.id for r in rows] or [-1]))
        .order_by(Ticket.created_at, Ticket.id)
    ):
        first.setdefault(oid, (at, tid))
    for row in rows:
        if row.refunded_amount < row.amount * Decimal(str(t.wardrobe_refund_share)):
            continue
        claim = first.get(row.id)
        claimed_at = claim[0] if claim else row.updated_at
        if (claimed_at - row.delivered_at).total_seconds() / 86_400 >= t.wardrobe_days:
            out.add(row.customer_id, orders=row.id, tickets=claim[1] if claim else None)


def _abuse(session: Session, ids: list[int], _t: Thresholds, out: _Collector) -> None:
    for cid, mid, tid in session.execute(
        select(Ticket.customer_id, MessageTriage.message_id, MessageTriage.ticket_id)
        .join(Ticket, Ticket.id == MessageTriage.ticket_id)
        .where(Ticket.customer_id.in_(ids), or_(MessageTriage.abusive, MessageTriage.threat))
    ):
        out.add(cid, messages=mid, tickets=tid)


def _ratings(session: Session, ids: list[int], t: Thresholds, out: _Collector) -> None:
    for cid, tid in session.execute(
        select(InteractionRating.customer_id, InteractionRating.ticket_id).where(
            InteractionRating.customer_id.in_(ids), InteractionRating.rating <= t.low_rating
        )
    ):
        out.add(cid, tickets=tid)


def evidence_for(
    session: Session, kind: SignalKind, customer_ids: Sequence[int], thresholds: Thresholds
) -> dict[int, Evidence]:
    """Evidence ids of one signal kind for each of ``customer_ids``."""
    out = _Collector()
    for ids in chunks(customer_ids):
        if kind is SignalKind.CLAIM_RATE:
            _claims(session, ids, thresholds, out)
        elif kind is SignalKind.NEAR_LIMIT:
            _near_limit(session, ids, thresholds, out)
        elif kind is SignalKind.NOT_RECEIVED:
            _not_received(session, ids, thresholds, out, delivered=False)
        elif kind is SignalKind.CLAIM_AFTER_DELIVERY:
            _not_received(session, ids, thresholds, out, delivered=True)
        elif kind is SignalKind.WARDROBING:
            _wardrobing(session, ids, thresholds, out)
        elif kind is SignalKind.ABUSE_TOWARD_STAFF:
            _abuse(session, ids, thresholds, out)
        else:
            _ratings(session, ids, thresholds, out)
    return out.result(customer_ids)
