"""A small desk with one theme of delivery complaints and one of billing, built for real."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from fairdesk.customers.models import Customer
from fairdesk.db.base import utcnow
from fairdesk.feedback.themes import build as themes_build
from fairdesk.feedback.themes import service as theme_service
from fairdesk.feedback.themes.estimator import ThemeModel
from fairdesk.feedback.themes.models import Theme
from tests.factories import make_customer
from tests.feedback.helpers import add_comment, add_message, add_ticket

DELIVERY = (
    "My parcel is late again, the courier lost it",
    "The courier delivered my parcel late, nine days late",
    "Tracking never updated, parcel late, courier silent",
    "The parcel arrived late and the courier left it outside",
)
BILLING = (
    "I was charged twice on my card for my subscription",
    "Invoice shows my card charged twice",
    "Card charged twice, refund of the duplicate payment never came",
    "Card billed twice for one invoice, charged again",
)


@dataclass
class Desk:
    delivery: Theme
    billing: Theme
    customers: list[Customer]  # wrote about delivery
    others: list[Customer]  # wrote about billing only


def build_desk(session: Session, *, weeks_ago: int = 10) -> Desk:
    """Eight delivery writers (tickets and survey comments) and four billing writers."""
    start = utcnow() - timedelta(weeks=weeks_ago)
    customers = [make_customer(session, first_name=f"Del{i}") for i in range(8)]
    others = [make_customer(session, first_name=f"Bil{i}") for i in range(4)]
    for i, customer in enumerate(customers):
        at = start + timedelta(days=3 * i)
        ticket = add_ticket(session, customer, at=at, resolved_hours=10 + i)
        add_message(session, customer, DELIVERY[i % 4], at=at, ticket=ticket)
        add_comment(
            session,
            customer,
            DELIVERY[(i + 1) % 4],
            at=at + timedelta(days=1),
            ticket=ticket,
            csat=2,
        )
    for i, customer in enumerate(others):
        at = start + timedelta(days=2 * i)
        add_message(session, customer, BILLING[i % 4], at=at)
        add_comment(session, customer, BILLING[(i + 2) % 4], at=at + timedelta(days=1))
    themes_build.build(session, now=utcnow(), model=ThemeModel(k=2))
    themes = theme_service.list_themes(session)
    delivery = max(themes, key=lambda t: t.signature.get("parcel", 0.0))
    billing = max(themes, key=lambda t: t.signature.get("charged", 0.0))
    assert delivery.id != billing.id and delivery.size == 16 and billing.size == 8
    return Desk(delivery, billing, customers, others)
