"""Two years of support tickets for the demo business, and the cases open today.

Every ticket goes through the real service functions — ``intake.receive`` for what customers
write, ``ticket_service.reply`` and ``change_status`` for what agents do — each with an
explicit ``now``, so due times, pauses, first-response and resolution times, breaches and
reopenings are exactly what the product would have recorded. Agents answer in business
hours (the demo's SLA calendar), mostly within the SLA and sometimes not.

Deterministic from the seed: topics, tones, customers, orders, times and outcomes come from
``rng``. (Ticket references and Message-IDs are random by design: they must be unguessable.)
The e-mails the history queued are marked sent: they belong to the past, and a demo outbox
worker must not mail them to the demo's customers now.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fairdesk.auth import service as auth_service
from fairdesk.auth.models import Role, StaffUser
from fairdesk.demo.ticket_texts import (
    INSULTS,
    STILL_UNHAPPY,
    THANKS,
    TONE_WEIGHTS,
    TOPICS,
    Tone,
    Topic,
)
from fairdesk.outbox.models import OutboxItem, OutboxStatus
from fairdesk.tickets import service as ticket_service
from fairdesk.tickets.assignment import set_availability
from fairdesk.tickets.intake import Incoming, receive
from fairdesk.tickets.models import (
    IntakeChannel,
    Priority,
    SlaCalendar,
    SlaPolicy,
    Ticket,
    TicketStatus,
)
from fairdesk.tickets.sla import BusinessCalendar, add_business_time

if TYPE_CHECKING:
    from fairdesk.demo import DemoSummary

HISTORY_PER_CUSTOMER = 0.08  # tickets over two years, per customer
OFFICE_HOURS = {d: [["09:00", "17:30"]] for d in ("mon", "tue", "wed", "thu", "fri")}
BANK_HOLIDAYS = [
    "2024-12-25",
    "2024-12-26",
    "2025-01-01",
    "2025-04-18",
    "2025-04-21",
    "2025-05-05",
    "2025-05-26",
    "2025-08-25",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
]
# priority: (first response, resolution) in business minutes
TARGETS = {"urgent": (60, 480), "high": (240, 960), "normal": (480, 2400), "low": (960, 4800)}
FALLBACK_TEAM = (("Ada", "Agent"), ("Ben", "Agent"), ("Cleo", "Agent"))
CHANNELS = (IntakeChannel.EMAIL, IntakeChannel.WEB, IntakeChannel.API)
CHANNEL_WEIGHTS = (0.62, 0.33, 0.05)


@dataclass(frozen=True)
class TicketCounts:
    history: int
    open: int
    reopened: int
    first_response_breached: int
    by_tone: dict[str, int]


@dataclass(frozen=True)
class _Writer:
    customer_id: int
    first_name: str
    order: str | None


def _team(session: Session) -> list[StaffUser]:
    """The demo's agents: those already created (``demo.setup``), else a small team."""
    agents = list(
        session.scalars(
            select(StaffUser)
            .where(StaffUser.is_active, StaffUser.role == Role.AGENT)
            .order_by(StaffUser.id)
        ).all()
    )
    if agents:
        return agents
    for first, last in FALLBACK_TEAM:
        user = auth_service.create_user(
            session,
            email=f"{first.lower()}.{last.lower()}@demo.fairdesk.example",
            name=f"{first} {last}",
            password=secrets.token_urlsafe(24),  # nobody signs in as these
            role=Role.AGENT,
        )
        set_availability(session, staff_id=user.id, available=True)
        agents.append(user)
    return agents


def _service_levels(session: Session) -> BusinessCalendar:
    """The shop's office hours and SLA policies (kept when the business already has some)."""
    cal = session.scalar(select(SlaCalendar).where(SlaCalendar.name == "Lark Lane office"))
    if cal is None:
        cal = SlaCalendar(
            name="Lark Lane office",
            timezone="Europe/London",
            hours=OFFICE_HOURS,
            holidays=BANK_HOLIDAYS,
        )
        session.add(cal)
        session.flush()
    if session.scalar(select(func.count()).select_from(SlaPolicy)) == 0:
        for priority, (first, resolve) in TARGETS.items():
            session.add(
                SlaPolicy(
                    name=f"{priority.title()} priority",
                    priority=priority,
                    first_response_minutes=first,
                    resolution_minutes=resolve,
                    calendar_id=cal.id,
                )
            )
        session.flush()
    return BusinessCalendar.from_config(
        timezone=cal.timezone, hours=cal.hours, holidays=cal.holidays
    )


class _Story:
    """Draws and plays one ticket's life against the real services."""

    def __init__(
        self,
        session: Session,
        rng: np.random.Generator,
        agents: list[StaffUser],
        office: BusinessCalendar,
        now: datetime,
    ) -> None:
        self.session, self.rng, self.agents, self.office = session, rng, agents, office
        self.now = now
        self.reopen_before = now - timedelta(days=5)
        self.tones: Counter[str] = Counter()
        self.reopened = 0

    def pick(self, options: Sequence[str]) -> str:
        return options[int(self.rng.integers(len(options)))]

    def fill(self, text: str, who: _Writer, agent: StaffUser | None = None) -> str:
        return text.format(
            first=who.first_name or "there",
            order=who.order or "my last order",
            agent=(agent.name.split()[0] if agent else "there"),
            weeks=int(self.rng.integers(2, 9)),
        )

    def later(self, at: datetime, median_minutes: float, spread: float = 0.9) -> datetime:
        """An agent's answer: business time after ``at``, lognormally spread (tail capped)."""
        minutes = float(self.rng.lognormal(np.log(median_minutes), spread))
        minutes = min(max(5.0, minutes), 6 * median_minutes)
        return add_business_time(at, timedelta(minutes=minutes), self.office)

    def customer(self, ticket: Ticket, who: _Writer, body: str, at: datetime) -> None:
        receive(
            self.session,
            Incoming(
                channel=IntakeChannel(ticket.channel),
                customer_id=who.customer_id,
                into_ticket_id=ticket.id,
                subject=f"Re: {ticket.subject}",
                body=body,
            ),
            now=at,
        )

    def answer(self, ticket: Ticket, text: str, at: datetime, status: TicketStatus) -> None:
        author = next((a for a in self.agents if a.id == ticket.assignee_id), self.agents[0])
        ticket_service.reply(
            self.session,
            ticket_id=ticket.id,
            author=author,
            body=text,
            status_after=status,
            now=at,
        )

    def open_ticket(self, who: _Writer, at: datetime) -> tuple[Ticket, Topic, Tone]:
        topic = TOPICS[int(self.rng.choice(len(TOPICS), p=_weights([t.weight for t in TOPICS])))]
        tones = list(TONE_WEIGHTS)
        tone = tones[int(self.rng.choice(len(tones), p=_weights(list(TONE_WEIGHTS.values()))))]
        self.tones[tone] += 1
        channel = CHANNELS[int(self.rng.choice(len(CHANNELS), p=CHANNEL_WEIGHTS))]
        urgent = tone == Tone.FURIOUS and topic.key == "subscription_billing"
        result = receive(
            self.session,
            Incoming(
                channel=channel,
                customer_id=who.customer_id,
                subject=self.fill(self.pick(topic.subjects), who),
                body=self.fill(self.pick(topic.openings[tone]), who),
                priority=Priority.URGENT if urgent else topic.priority,
                category=topic.category,
                tags=[topic.key],
                order_external_id=who.order if topic.key != "product_question" else None,
            ),
            now=at,
        )
        return result.ticket, topic, tone

    def agent_of(self, ticket: Ticket) -> StaffUser:
        return next((a for a in self.agents if a.id == ticket.assignee_id), self.agents[0])

    def history(self, who: _Writer, at: datetime) -> Ticket:
        """A case from the past, played to its end: answered, resolved, perhaps reopened."""
        ticket, topic, tone = self.open_ticket(who, at)
        agent = self.agent_of(ticket)
        # Most first answers land well inside the promise; a tail does not.
        first_at = self.later(at, 150.0 if self.rng.random() < 0.85 else 900.0)
        simple = topic.key in ("product_question", "wrong_grind") and tone != Tone.FURIOUS
        if simple:
            self.answer(
                ticket,
                self.fill(self.pick(topic.solutions), who, agent),
                first_at,
                TicketStatus.RESOLVED,
            )
        else:
            self.answer(
                ticket,
                self.fill(self.pick(topic.replies), who, agent),
                first_at,
                TicketStatus.PENDING,
            )
            back_at = first_at + timedelta(hours=float(self.rng.uniform(2, 60)))
            follow = {
                Tone.ABUSIVE: INSULTS,
                Tone.ANGRY: STILL_UNHAPPY,
                Tone.FURIOUS: STILL_UNHAPPY,
            }.get(tone, THANKS)
            self.customer(ticket, who, self.fill(self.pick(follow), who, agent), back_at)
            solved_at = self.later(back_at, 600.0, 1.1)
            self.answer(
                ticket,
                self.fill(self.pick(topic.solutions), who, agent),
                solved_at,
                TicketStatus.RESOLVED,
            )
        solved = ticket.resolved_at
        again_at = (solved or at) + timedelta(days=float(self.rng.uniform(1, 12)))
        if solved is not None and self.rng.random() < 0.07 and again_at < self.reopen_before:
            self.customer(ticket, who, self.fill(self.pick(topic.reopenings), who), again_at)
            self.reopened += 1
            self.answer(
                ticket,
                self.fill(self.pick(topic.solutions), who, agent),
                self.later(again_at, 240.0),
                TicketStatus.RESOLVED,
            )
        return ticket

    def current(self, who: _Writer, at: datetime, stage: int) -> Ticket:
        """A case open today, stopped at ``stage``: 0 new, 1 pending, 2 customer wrote back."""
        ticket, topic, tone = self.open_ticket(who, at)
        if stage == 0:
            return ticket
        agent = self.agent_of(ticket)
        first_at = self.later(at, 120.0)
        if first_at >= self.now:
            return ticket  # not answered yet: still new
        self.answer(
            ticket, self.fill(self.pick(topic.replies), who, agent), first_at, TicketStatus.PENDING
        )
        back_at = first_at + timedelta(hours=float(self.rng.uniform(1, 20)))
        if stage == 2 and back_at < self.now:
            follow = INSULTS if tone == Tone.ABUSIVE else STILL_UNHAPPY
            self.customer(ticket, who, self.fill(self.pick(follow), who, agent), back_at)
        return ticket


def _weights(values: Sequence[float]) -> NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    return np.asarray(arr / arr.sum(), dtype=np.float64)


def _writer(summary: DemoSummary, index: int) -> _Writer:
    plan = summary.plan
    row = plan.customers[int(plan.order_owner[index])]
    return _Writer(
        customer_id=summary.customer_ids[row["external_id"]],
        first_name=row.get("first_name") or "",
        order=plan.orders[index]["external_id"],
    )


def _moments(
    summary: DemoSummary, rng: np.random.Generator, n_history: int, n_open: int
) -> tuple[list[tuple[int, datetime]], list[tuple[int, datetime]]]:
    """(order index, when the customer wrote) for past cases and for today's open ones.

    A past case comes 1 to 10 days after its order; an open one within the last five days,
    about an order from the two months before.
    """
    placed = np.array([o["placed_at"].timestamp() for o in summary.plan.orders])
    now = summary.now.timestamp()
    old = np.flatnonzero(placed < now - 40 * 86400)
    past = []
    if len(old):
        for i in rng.choice(old, size=n_history, replace=n_history > len(old)):
            wait = float(rng.uniform(1, 10)) * 86400
            past.append((int(i), datetime.fromtimestamp(placed[i] + wait, summary.now.tzinfo)))
    current = []
    for hours in rng.uniform(0.5, 120, n_open):
        at = now - float(hours) * 3600
        recent = np.flatnonzero((placed < at - 86400) & (placed > at - 60 * 86400))
        pool = recent if len(recent) else np.flatnonzero(placed < at)
        if len(pool):
            current.append((int(rng.choice(pool)), datetime.fromtimestamp(at, summary.now.tzinfo)))
    return sorted(past, key=lambda p: p[1]), sorted(current, key=lambda p: p[1])


def add_tickets(session: Session, summary: DemoSummary, rng: np.random.Generator) -> TicketCounts:
    """Write the ticket history and today's open cases into ``session`` (flushed)."""
    plan = summary.plan
    if not plan.orders:
        return TicketCounts(0, 0, 0, 0, {})
    agents = _team(session)
    office = _service_levels(session)
    first_outbox = session.scalar(select(func.coalesce(func.max(OutboxItem.id), 0))) or 0
    story = _Story(session, rng, agents, office, summary.now)
    n_history = max(1, round(summary.customers * HISTORY_PER_CUSTOMER))
    n_open = min(45, max(3, summary.customers // 100))
    past, current = _moments(summary, rng, n_history, n_open)
    week = timedelta(days=7)
    for index, at in past:
        ticket = story.history(_writer(summary, index), at)
        solved = ticket.resolved_at
        if solved is not None and summary.now - solved > week:
            ticket_service.change_status(
                session, ticket=ticket, actor=None, status=TicketStatus.CLOSED, now=solved + week
            )
    for n, (index, at) in enumerate(current):
        story.current(_writer(summary, index), at, stage=n % 3)
    session.execute(
        update(OutboxItem)
        .where(OutboxItem.id > first_outbox)
        .values(status=OutboxStatus.SENT, sent_at=summary.now, attempts=1)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    breached = session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.first_response_breached.is_(True))
    )
    return TicketCounts(
        history=len(past),
        open=len(current),
        reopened=story.reopened,
        first_response_breached=breached or 0,
        by_tone=dict(story.tones),
    )
