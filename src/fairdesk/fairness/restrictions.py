"""Restrictions a manager decided for one customer, and the questions other domains ask of them.

Goodwill asks whether receipts are required or no-questions-asked is off; the ticket page asks
whether replies must go by e-mail only. Only a decided restriction counts: an open case, a flag
or a signal alone is never read here, so it can never change the service (DESIGN rule 6).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fairdesk.db.base import utcnow
from fairdesk.fairness.models import FairnessRestriction, RestrictionKind

# The policies a manager may restrict one at a time; parting ways is its own decision.
POLICIES: tuple[RestrictionKind, ...] = (
    RestrictionKind.RECEIPTS_REQUIRED,
    RestrictionKind.NO_QUESTIONS_ASKED_OFF,
    RestrictionKind.EMAIL_ONLY,
)

# What the customer and the staff read about each restriction, in plain and respectful words.
CUSTOMER_WORDS: dict[RestrictionKind, str] = {
    RestrictionKind.RECEIPTS_REQUIRED: (
        "for refunds and replacements we will ask for a receipt or proof of purchase"
    ),
    RestrictionKind.NO_QUESTIONS_ASKED_OFF: (
        "replacements are looked at case by case rather than sent at once without questions"
    ),
    RestrictionKind.EMAIL_ONLY: "we will handle your questions by e-mail only",
    RestrictionKind.PARTED: "we will not take new orders from you",
}
STAFF_WORDS: dict[RestrictionKind, str] = {
    RestrictionKind.RECEIPTS_REQUIRED: "Receipts required for every gesture",
    RestrictionKind.NO_QUESTIONS_ASKED_OFF: "No-questions-asked replacements off",
    RestrictionKind.EMAIL_ONLY: "E-mail only: reply by e-mail, no phone or chat",
    RestrictionKind.PARTED: "Parted ways: open orders and paid services are honoured",
}


def active_for(session: Session, *, customer_id: int) -> Sequence[FairnessRestriction]:
    """The customer's restrictions in force, oldest first."""
    return session.scalars(
        select(FairnessRestriction)
        .where(FairnessRestriction.customer_id == customer_id, FairnessRestriction.active)
        .order_by(FairnessRestriction.starts_at, FairnessRestriction.id)
    ).all()


def active_kinds(session: Session, *, customer_id: int) -> frozenset[RestrictionKind]:
    """The kinds in force for one customer: one indexed query (goodwill calls it per ticket)."""
    rows = session.scalars(
        select(FairnessRestriction.kind).where(
            FairnessRestriction.customer_id == customer_id, FairnessRestriction.active
        )
    ).all()
    return frozenset(RestrictionKind(k) for k in rows)


def staff_notes(session: Session, *, customer_id: int) -> list[str]:
    """What staff must know on a ticket of this customer (the ticket sidebar), in words."""
    return [
        STAFF_WORDS[RestrictionKind(r.kind)] for r in active_for(session, customer_id=customer_id)
    ]


def impose(
    session: Session, *, customer_id: int, decision_id: int, kind: RestrictionKind
) -> FairnessRestriction:
    """Put one restriction in force for the decision that chose it."""
    row = FairnessRestriction(customer_id=customer_id, decision_id=decision_id, kind=kind)
    session.add(row)
    session.flush()
    return row


def lift(session: Session, *, decision_id: int, reason: str, now: datetime | None = None) -> int:
    """End every restriction a decision put in force (an overturned appeal); how many ended."""
    result = session.execute(
        update(FairnessRestriction)
        .where(FairnessRestriction.decision_id == decision_id, FairnessRestriction.active)
        .values(active=False, ended_at=now or utcnow(), ended_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return int(getattr(result, "rowcount", 0) or 0)
