"""Builders for goodwill tests: a ticket on an order, and a policy with small limits."""

from __future__ import annotations

import secrets
from decimal import Decimal

from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.goodwill import service as goodwill_service
from fairdesk.tickets.models import IntakeChannel, Ticket
from tests.factories import make_customer, make_order


def make_ticket(
    session: Session, *, category: str | None = "other", amount: str = "25.00",
    currency: str = "GBP", with_order: bool = True,
) -> Ticket:
    customer = make_customer(session)
    order = (
        make_order(session, customer, amount=Decimal(amount), currency=currency)
        if with_order else None
    )
    ticket = Ticket(
        reference=secrets.token_hex(6), customer_id=customer.id, channel=IntakeChannel.WEB,
        subject="About my order", category=category, order_id=order.id if order else None,
    )
    session.add(ticket)
    session.flush()
    return ticket


def use_policy(
    session: Session, actor: StaffUser | None = None, *, per_gesture: int = 50,
    per_day: int = 250, per_month: int = 2000, max_claims: int = 3,
) -> None:
    """Save the default policy with the agent's limits replaced (a new version)."""
    source = goodwill_service.default_source()
    source = source.replace(
        "  agent:\n    per_gesture: 50\n    per_remedy:\n      refund: 40\n"
        "    per_day: 250\n    per_month: 2000",
        f"  agent:\n    per_gesture: {per_gesture}\n    per_day: {per_day}\n"
        f"    per_month: {per_month}",
    ).replace("max_claims: 3", f"max_claims: {max_claims}")
    goodwill_service.save_policy(session, source=source, actor=actor, note="test limits")
