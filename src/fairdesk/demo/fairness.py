"""Planted fairness cases for the demo: a few exploiters and abusers among many angry but
legitimate customers, so the review queue shows both kinds of evidence (issue 9, item 7).

* exploiters: claims kept just under the no-receipt limit; "not received" on orders whose
  delivery was confirmed; buy, use and return (refunds claimed weeks after delivery);
* abusers: insults and threats toward the agent, through real intake and triage, rated
  1 by the agent at close;
* angry but legitimate: loud about a real defect or delay, often valuable customers, given
  a remedy; some rated "difficult". They must never get a case.

``plan_fairness`` chooses who, from the demo plan and its own stream, without a database, so
the evaluation can recompute the truth; ``add_fairness`` plays it through intake and the
ticket service with explicit times (gestures are written as granted, with their time).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.customers.models import Order, OrderStatus
from fairdesk.demo import fairness_texts as texts
from fairdesk.demo.generate import DemoPlan
from fairdesk.fairness.models import InteractionRating
from fairdesk.goodwill import service as goodwill_service
from fairdesk.goodwill.models import Gesture, GestureStatus
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import IntakeChannel, Ticket, TicketStatus

if TYPE_CHECKING:
    from fairdesk.demo import DemoSummary

EXPLOIT_ROLES = ("near_limit", "not_received", "wardrobing")
ROLES = (*EXPLOIT_ROLES, "abuser", "angry_legit")
# Claims per planted customer. Wardrobing needs a margin: the demo history may already hold an
# unrelated early ticket on one of the orders, and the signal dates an order's *first* claim.
CLAIMS = {"near_limit": 5, "not_received": 4, "wardrobing": 4, "abuser": 2}
SETTLED_DAYS = 45  # claims are about orders at least this old, so they are all history


@dataclass(frozen=True)
class Planted:
    """One planted customer: its row index in the plan, its role and the orders it claims on."""

    customer: int
    role: str
    orders: tuple[int, ...]
    high_value: bool

    @property
    def exploits(self) -> bool:
        """The truth for evaluation: should a manager review this customer?"""
        return self.role != "angry_legit"


def _counts(customers: int) -> dict[str, int]:
    per = max(1, customers // 1500)
    return {
        **dict.fromkeys(EXPLOIT_ROLES, per),
        "abuser": max(1, customers // 1250),
        "angry_legit": max(4, customers // 80),
    }


def plan_fairness(plan: DemoPlan, rng: np.random.Generator) -> list[Planted]:
    """Who plays which role, and on which of their orders (pure, from the plan)."""
    n = len(plan.customers)
    settled = plan.now - timedelta(days=SETTLED_DAYS)
    eligible: list[list[int]] = [[] for _ in range(n)]
    spend = np.zeros(n)
    for i, (row, owner) in enumerate(zip(plan.orders, plan.order_owner, strict=True)):
        spend[owner] += float(row["amount"])
        if row["delivered_at"] is not None and row["delivered_at"] < settled:
            eligible[owner].append(i)
    high = spend >= np.quantile(spend, 0.9) if n else np.zeros(0, dtype=bool)
    taken: set[int] = set()
    out: list[Planted] = []

    def pick(role: str, count: int, claims: int, pool: np.ndarray) -> None:
        chosen = [int(c) for c in rng.permutation(pool) if int(c) not in taken][:count]
        for c in chosen:
            taken.add(c)
            orders = tuple(
                sorted(int(o) for o in rng.choice(eligible[c], size=claims, replace=False))
            )
            out.append(Planted(c, role, orders, bool(high[c])))

    counts = _counts(n)
    sizes = np.array([len(e) for e in eligible])
    totals = np.bincount(np.asarray(plan.order_owner, dtype=np.int64), minlength=n)
    for role in (*EXPLOIT_ROLES, "abuser"):
        # An exploit is a habit: most of these customers' orders end in a claim.
        want = CLAIMS[role]
        pick(role, counts[role], want, np.flatnonzero((sizes > want) & (totals <= 3 * want)))
    angry = counts["angry_legit"]
    claims = [int(rng.integers(1, 4)) for _ in range(angry)]
    for k, want in enumerate(claims):
        # Half of them among the most valuable tenth: value must not excuse or convict.
        pool = np.flatnonzero((sizes >= want + 1) & (high if k % 2 == 0 else ~high))
        pick("angry_legit", 1, want, pool)
    return out


class _Player:
    def __init__(self, session: Session, summary: DemoSummary, rng: np.random.Generator) -> None:
        self.session, self.summary, self.rng = session, summary, rng
        self.plan = summary.plan
        self.agents = list(
            session.scalars(
                select(StaffUser).where(StaffUser.role == Role.AGENT).order_by(StaffUser.id)
            )
        )
        self.version = goodwill_service.current_version(session)
        self.rules = goodwill_service.policy_of(self.version)

    def pick(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def agent_for(self, ticket: Ticket) -> StaffUser:
        return next((a for a in self.agents if a.id == ticket.assignee_id), self.agents[0])

    def open(self, who: Planted, index: int, body: str, category: str, at: datetime) -> Ticket:
        row = self.plan.orders[index]
        customer_id = self.summary.customer_ids[self.plan.customers[who.customer]["external_id"]]
        return receive(
            self.session,
            Incoming(
                channel=IntakeChannel.EMAIL,
                customer_id=customer_id,
                subject=f"About {row['external_id']}",
                body=body,
                category=category,
                order_external_id=row["external_id"],
            ),
            now=at,
        ).ticket

    def write(self, ticket: Ticket, body: str, at: datetime) -> None:
        receive(
            self.session,
            Incoming(
                channel=IntakeChannel.PORTAL,
                customer_id=ticket.customer_id,
                body=body,
                into_ticket_id=ticket.id,
            ),
            now=at,
        )

    def settle(
        self, ticket: Ticket, remedy: str, amount: Decimal, at: datetime, refund: bool = False
    ) -> StaffUser:
        """The agent's answer with a granted gesture; the ticket resolves, then closes."""
        agent = self.agent_for(ticket)
        order = self.session.get(Order, ticket.order_id) if ticket.order_id else None
        name = order.external_id if order else "your order"
        text = self.rules.remedies[remedy].customer_text.format(amount=f"£{amount:.2f}")
        ticket_service.reply(
            self.session,
            ticket_id=ticket.id,
            author=agent,
            body=f"{self.pick(texts.AGENT_FIX).format(order=name)} {text}",
            status_after=TicketStatus.RESOLVED,
            now=at,
        )
        self.session.add(
            Gesture(
                ticket_id=ticket.id,
                customer_id=ticket.customer_id,
                order_id=ticket.order_id,
                request_key=f"demo-{ticket.id}",
                remedy=remedy,
                amount=amount,
                currency="GBP",
                status=GestureStatus.GRANTED,
                category=ticket.category,
                rule="demo history",
                reasons=["granted by the agent (demo history)"],
                inputs={},
                policy_version_id=self.version.id,
                actor_id=agent.id,
                created_at=at,
                decided_at=at,
            )
        )
        if refund and order is not None:
            order.refunded_amount = amount
            order.status = OrderStatus.REFUNDED
            order.updated_at = at
        if at + timedelta(days=7) < self.summary.now:
            ticket_service.change_status(
                self.session,
                ticket=ticket,
                actor=None,
                status=TicketStatus.CLOSED,
                now=at + timedelta(days=7),
            )
        return agent

    def rate(self, ticket: Ticket, agent: StaffUser, rating: int, at: datetime) -> None:
        self.session.add(
            InteractionRating(
                ticket_id=ticket.id,
                customer_id=ticket.customer_id,
                staff_id=agent.id,
                rating=rating,
                created_at=at,
            )
        )

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(days=float(self.rng.uniform(low, high)))

    def play(self, who: Planted) -> None:
        for index in who.orders:
            row = self.plan.orders[index]
            order, delivered = row["external_id"], row["delivered_at"]
            amount = Decimal(row["amount"])
            if who.role == "near_limit":
                credit = Decimal(int(self.rng.integers(2650, 2996))).scaleb(-2)
                at = delivered + self.days(1, 6)
                body = self.pick(texts.NEAR_LIMIT).format(order=order, amount=f"{credit:.2f}")
                ticket = self.open(who, index, body, "quality", at)
                self.settle(ticket, "store_credit", credit, at + self.days(0.1, 1))
            elif who.role == "not_received":
                at = delivered + self.days(2, 5)
                ticket = self.open(
                    who, index, self.pick(texts.NOT_RECEIVED).format(order=order), "delivery", at
                )
                self.settle(ticket, "replacement", min(amount, Decimal(60)), at + self.days(0.1, 1))
            elif who.role == "wardrobing":
                at = delivered + self.days(18, 40)
                ticket = self.open(
                    who, index, self.pick(texts.WARDROBING).format(order=order), "refund", at
                )
                self.settle(ticket, "refund", amount, at + self.days(0.1, 1), refund=True)
            elif who.role == "abuser":
                self.abuse(who, index, order, delivered, threat=who.customer % 2 == 0)
            else:
                self.angry(who, index, order, delivered, amount)

    def abuse(
        self, who: Planted, index: int, order: str, delivered: datetime, *, threat: bool
    ) -> None:
        at = delivered + self.days(1, 8)
        ticket = self.open(
            who, index, self.pick(texts.ABUSER_OPENING).format(order=order), "quality", at
        )
        agent = self.agent_for(ticket)
        first = agent.name.split()[0]
        ticket_service.reply(
            self.session,
            ticket_id=ticket.id,
            author=agent,
            now=at + self.days(0.1, 0.5),
            body=f"Sorry to hear that. Could you tell me a little more about {order}?",
            status_after=TicketStatus.PENDING,
        )
        self.write(ticket, self.pick(texts.ABUSIVE).format(agent=first), at + self.days(0.6, 1))
        line = texts.THREAT if threat else texts.ABUSIVE
        self.write(ticket, self.pick(line).format(agent=first), at + self.days(1.1, 1.5))
        agent = self.settle(ticket, "apology_note", Decimal(0), at + self.days(1.6, 2))
        self.rate(ticket, agent, 1, at + self.days(2, 3))

    def angry(
        self, who: Planted, index: int, order: str, delivered: datetime, amount: Decimal
    ) -> None:
        at = delivered + self.days(1, 6)
        ticket = self.open(
            who, index, self.pick(texts.ANGRY_LEGIT).format(order=order), "quality", at
        )
        refund = self.rng.random() < 0.3
        agent = self.settle(
            ticket,
            "refund" if refund else "replacement",
            amount if refund else min(amount, Decimal(60)),
            at + self.days(0.1, 1),
            refund=refund,
        )
        if self.rng.random() < 0.4:
            self.rate(ticket, agent, int(self.rng.choice([2, 3])), at + self.days(1, 2))


@dataclass(frozen=True)
class FairnessCounts:
    by_role: dict[str, int]
    tickets: int


def add_fairness(
    session: Session, summary: DemoSummary, rng: np.random.Generator
) -> FairnessCounts:
    """Write the planted customers' claims, messages, gestures and ratings (flushed)."""
    planted = plan_fairness(summary.plan, rng)
    if not planted:
        return FairnessCounts({}, 0)
    player = _Player(session, summary, rng)
    if not player.agents:
        return FairnessCounts({}, 0)
    for who in planted:
        player.play(who)
    session.flush()
    return FairnessCounts(
        dict(Counter(p.role for p in planted)), sum(len(p.orders) for p in planted)
    )
