"""Builders for fairness tests: claims through real intake, gestures, ratings, CLV values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.clv.models import ClvFit, CustomerValue
from fairdesk.customers.models import Customer, Order, OrderStatus
from fairdesk.fairness.models import InteractionRating
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel, Ticket
from tests.factories import make_order

T0 = datetime(2026, 3, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def delivered_order(
    session: Session,
    customer: Customer,
    *,
    day: int = 0,
    amount: str = "25.00",
    delivered: bool = True,
) -> Order:
    placed = T0 + timedelta(days=day)
    return make_order(
        session,
        customer,
        placed_at=placed,
        amount=Decimal(amount),
        status=OrderStatus.FULFILLED if delivered else OrderStatus.PAID,
        delivered_at=placed + timedelta(days=1) if delivered else None,
    )


def claim(
    session: Session,
    customer: Customer,
    order: Order | None,
    *,
    category: str,
    body: str = "Hello, there is a problem with my order, could you help?",
    after_days: float = 3,
) -> Ticket:
    """A customer's ticket about ``order``, through real intake (so triage runs)."""
    at = (order.placed_at if order else T0) + timedelta(days=after_days)
    result = receive(
        session,
        Incoming(
            channel=IntakeChannel.WEB,
            customer_id=customer.id,
            subject="About my order",
            body=body,
            category=category,
            order_external_id=order.external_id if order else None,
        ),
        now=at,
    )
    return result.ticket


def write(session: Session, ticket: Ticket, body: str, *, after_days: float = 4) -> None:
    receive(
        session,
        Incoming(
            channel=IntakeChannel.PORTAL,
            customer_id=ticket.customer_id,
            body=body,
            into_ticket_id=ticket.id,
        ),
        now=ticket.created_at + timedelta(days=after_days),
    )


def gesture(
    session: Session,
    ticket: Ticket,
    *,
    amount: str,
    remedy: str = "refund",
    status: GestureStatus = GestureStatus.GRANTED,
) -> Gesture:
    version = goodwill_service.current_version(session)
    row = Gesture(
        ticket_id=ticket.id,
        customer_id=ticket.customer_id,
        order_id=ticket.order_id,
        request_key=f"k{ticket.id}-{amount}-{remedy}",
        remedy=remedy,
        amount=Decimal(amount),
        currency="GBP",
        status=status,
        rule="test",
        policy_version_id=version.id,
        created_at=ticket.created_at,
    )
    session.add(row)
    session.flush()
    return row


def rate(session: Session, ticket: Ticket, staff: StaffUser, rating: int) -> None:
    session.add(
        InteractionRating(
            ticket_id=ticket.id, customer_id=ticket.customer_id, staff_id=staff.id, rating=rating
        )
    )
    session.flush()


def value(session: Session, customer: Customer, clv: float) -> None:
    fit = ClvFit(
        observation_end=NOW,
        model_version="test",
        time_unit="D",
        n_customers=1,
        n_repeat_buyers=1,
        horizon_months=12,
        monthly_discount_rate=0.01,
    )
    session.add(fit)
    session.flush()
    session.add(
        CustomerValue(
            customer_id=customer.id,
            fit_id=fit.id,
            computed_at=NOW,
            frequency=3,
            recency=10.0,
            age=100.0,
            monetary=30.0,
            p_alive=0.9,
            expected_purchases_90d=1.0,
            expected_spend=30.0,
            clv=clv,
        )
    )
    session.flush()
