"""Per-agent exposure to abuse: how much, how bad, and whether it is growing.

A member of staff *received* an abusive customer message when it sits on a ticket they are
assigned to or answered (wrote a reply or an internal note on). Abusive means triage flagged
it (insult, slur, harassment or threat aimed at staff). Severity follows the worst kind in
the message: a threat or a slur weighs 3, harassment 2, an insult 1. Weeks are the seven-day
windows ending now, so "this week" is always the last seven days.

The same "who received it" is what routing reads to spread abuse (``routing``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import StaffUser
from fairdesk.tickets.models import Message, MessageKind, Ticket
from fairdesk.triage.models import MessageTriage

SEVERITY = {"threat": 3, "slur": 3, "harassment": 2, "insult": 1}
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class AbusiveMessage:
    message_id: int
    ticket_id: int
    customer_id: int
    created_at: datetime
    kinds: tuple[str, ...]
    threat: bool

    @property
    def severity(self) -> int:
        kinds = (*self.kinds, "threat") if self.threat else self.kinds
        return max((SEVERITY.get(k, 1) for k in kinds), default=1)

    @property
    def worst(self) -> str:
        kinds = (*self.kinds, "threat") if self.threat else self.kinds
        return max(kinds or ("insult",), key=lambda k: (SEVERITY.get(k, 1), k))


def abusive_messages(
    session: Session, *, since: datetime | None = None, customer_id: int | None = None
) -> list[AbusiveMessage]:
    """Customer messages triage flagged as abuse toward staff, oldest first."""
    stmt = (
        select(
            Message.id,
            Message.ticket_id,
            Ticket.customer_id,
            Message.created_at,
            MessageTriage.abuse_kinds,
            MessageTriage.threat,
        )
        .join(MessageTriage, MessageTriage.message_id == Message.id)
        .join(Ticket, Ticket.id == Message.ticket_id)
        .where(Message.kind == MessageKind.CUSTOMER)
        .where(or_(MessageTriage.abusive, MessageTriage.threat))
        .order_by(Message.created_at, Message.id)
    )
    if since is not None:
        stmt = stmt.where(Message.created_at >= since)
    if customer_id is not None:
        stmt = stmt.where(Ticket.customer_id == customer_id)
    return [
        AbusiveMessage(mid, tid, cid, at, tuple(kinds or ()), bool(threat))
        for mid, tid, cid, at, kinds, threat in session.execute(stmt)
    ]


def receivers(session: Session, ticket_ids: set[int]) -> dict[int, set[int]]:
    """Per ticket, the staff who received its messages: the assignee and whoever answered."""
    out: dict[int, set[int]] = defaultdict(set)
    if not ticket_ids:
        return out
    ids = sorted(ticket_ids)
    for tid, assignee in session.execute(
        select(Ticket.id, Ticket.assignee_id).where(Ticket.id.in_(ids))
    ):
        if assignee is not None:
            out[tid].add(assignee)
    for tid, author in session.execute(
        select(Message.ticket_id, Message.author_staff_id)
        .where(
            Message.ticket_id.in_(ids),
            Message.kind.in_([MessageKind.REPLY, MessageKind.NOTE]),
            Message.author_staff_id.is_not(None),
        )
        .distinct()
    ):
        if author is not None:
            out[tid].add(author)
    return out


@dataclass
class Exposure:
    """One member of staff's exposure over the last ``weeks`` weeks."""

    staff_id: int
    name: str
    role: str
    messages: int = 0
    threats: int = 0
    severity: int = 0  # sum over the messages
    worst: str | None = None
    customers: set[int] = field(default_factory=set)
    weekly: list[int] = field(default_factory=list)  # messages per week, oldest first

    @property
    def this_week(self) -> int:
        return self.weekly[-1] if self.weekly else 0

    @property
    def last_week(self) -> int:
        return self.weekly[-2] if len(self.weekly) > 1 else 0

    @property
    def trend(self) -> int:
        """Week on week: this week's messages minus last week's."""
        return self.this_week - self.last_week


def exposure_board(session: Session, *, now: datetime, weeks: int = 8) -> list[Exposure]:
    """Every active member of staff with their exposure, the most exposed first."""
    start = now - weeks * WEEK
    staff = session.scalars(select(StaffUser).where(StaffUser.is_active)).all()
    board = {
        s.id: Exposure(staff_id=s.id, name=s.name, role=str(s.role), weekly=[0] * weeks)
        for s in staff
    }
    found = [m for m in abusive_messages(session, since=start) if m.created_at < now]
    who = receivers(session, {m.ticket_id for m in found})
    for m in found:
        week = min(weeks - 1, int((m.created_at - start) / WEEK))
        for staff_id in who.get(m.ticket_id, ()):
            row = board.get(staff_id)
            if row is None:  # a former member of staff: not on the board
                continue
            row.messages += 1
            row.threats += int(m.threat)
            row.severity += m.severity
            row.customers.add(m.customer_id)
            row.weekly[week] += 1
            if row.worst is None or SEVERITY.get(m.worst, 1) > SEVERITY.get(row.worst, 1):
                row.worst = m.worst
    return sorted(board.values(), key=lambda e: (-e.severity, -e.messages, e.name, e.staff_id))
