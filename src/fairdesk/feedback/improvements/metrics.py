"""Before and after: did the tickets behind an improvement's themes change when it shipped?

The tickets are those any text of the linked themes (and their split children) came from.
Each side is a window of up to ``WEEKS`` weeks next to the ship time; the after side is only
as long as time has passed. Three figures per side: tickets opened per week, mean CSAT of
those tickets' survey answers (when any exist), and median hours from opening to resolution.
A side without data says so (``None``) rather than showing a zero.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.db.base import utcnow
from fairdesk.feedback.improvements.models import Improvement
from fairdesk.feedback.improvements.service import themes_of
from fairdesk.feedback.surveys.models import SurveyAnswer
from fairdesk.feedback.themes import service as theme_service
from fairdesk.feedback.themes.models import ThemeMembership
from fairdesk.tickets.models import Ticket

WEEKS = 12
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Side:
    start: datetime
    end: datetime
    weeks: float
    tickets: int
    per_week: float | None
    csat: float | None
    csat_answers: int
    resolution_hours: float | None  # median
    resolved: int


@dataclass(frozen=True)
class BeforeAfter:
    ship: datetime
    ticket_count: int
    before: Side
    after: Side
    weekly_labels: list[str]
    weekly_counts: list[int]

    def chart(self) -> dict[str, Any]:
        ship_label = self.ship.strftime("%d %b")
        colours = ["#94a3b8" if i < WEEKS else "#2457d6" for i in range(len(self.weekly_counts))]
        return {
            "type": "bar",
            "data": {
                "labels": self.weekly_labels,
                "datasets": [
                    {
                        "label": f"tickets per week (blue: after {ship_label})",
                        "data": self.weekly_counts,
                        "backgroundColor": colours,
                    }
                ],
            },
            "options": {"scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}}},
        }


def before_after(
    session: Session, improvement: Improvement, *, now: datetime | None = None
) -> BeforeAfter | None:
    """The comparison for a shipped improvement; None while it is only planned."""
    if improvement.shipped_at is None:
        return None
    now = now or utcnow()
    ship = improvement.shipped_at
    linked = theme_service.family(session, [t.id for t in themes_of(session, improvement.id)])
    ticket_ids = sorted(
        {
            tid
            for tid in session.scalars(
                select(ThemeMembership.ticket_id).where(
                    ThemeMembership.theme_id.in_(linked), ThemeMembership.ticket_id.is_not(None)
                )
            )
            if tid is not None
        }
    )
    tickets: list[tuple[datetime, datetime | None]] = []
    answers: list[tuple[datetime, int]] = []
    for start in range(0, len(ticket_ids), 5_000):
        chunk = ticket_ids[start : start + 5_000]
        tickets += [
            (c, r)
            for c, r in session.execute(
                select(Ticket.created_at, Ticket.resolved_at).where(Ticket.id.in_(chunk))
            )
        ]
        answers += [
            (a, c)
            for a, c in session.execute(
                select(SurveyAnswer.answered_at, SurveyAnswer.csat).where(
                    SurveyAnswer.ticket_id.in_(chunk), SurveyAnswer.csat.is_not(None)
                )
            )
            if c is not None
        ]
    before = _side(tickets, answers, ship - WEEKS * WEEK, ship)
    after = _side(tickets, answers, ship, min(now, ship + WEEKS * WEEK))
    starts = [ship + (i - WEEKS) * WEEK for i in range(2 * WEEKS)]
    counts = [sum(1 for c, _ in tickets if s <= c < s + WEEK) for s in starts]
    visible = [i for i, s in enumerate(starts) if s < now]
    return BeforeAfter(
        ship,
        len(ticket_ids),
        before,
        after,
        [starts[i].strftime("%d %b") for i in visible],
        [counts[i] for i in visible],
    )


def _side(
    tickets: list[tuple[datetime, datetime | None]],
    answers: list[tuple[datetime, int]],
    start: datetime,
    end: datetime,
) -> Side:
    weeks = max(0.0, (end - start) / WEEK)
    opened = [(c, r) for c, r in tickets if start <= c < end]
    hours = [(r - c).total_seconds() / 3600 for c, r in opened if r is not None and r >= c]
    scores = [s for a, s in answers if start <= a < end]
    return Side(
        start,
        end,
        round(weeks, 2),
        len(opened),
        round(len(opened) / weeks, 2) if weeks >= 1 / 7 else None,
        round(statistics.fmean(scores), 2) if scores else None,
        len(scores),
        round(statistics.median(hours), 1) if hours else None,
        len(hours),
    )
