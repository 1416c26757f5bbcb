"""The journey rule: which stage events a purchase history implies, and the status at ``now``.

A customer *lapses* after going quiet for three times their usual (median) gap between
orders, and never sooner than 120 days — the floor also covers customers with a single
order, and keeps a weekly buyer's two-week holiday from counting as a lapse. They are
*churned* after twice that silence, and at least a year. An order after a lapse
*reactivates* them. Every event falls at the moment the rule first holds, so replaying the
events tells the same story as the orders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from fairdesk.customers.models import JourneyStage, LifecycleStatus

GAP_MULTIPLE = 3
MIN_LAPSE = timedelta(days=120)
MIN_CHURN = timedelta(days=365)


@dataclass(frozen=True)
class Milestone:
    stage: JourneyStage
    event_type: str
    occurred_at: datetime
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Journey:
    milestones: list[Milestone]
    status: LifecycleStatus


def lapse_after(gaps: Sequence[timedelta]) -> timedelta:
    """Silence after which a customer with these gaps between orders counts as lapsed."""
    if not gaps:
        return MIN_LAPSE
    usual = timedelta(seconds=round(median(gap.total_seconds() for gap in gaps)))
    return max(GAP_MULTIPLE * usual, MIN_LAPSE)


def churn_after(lapse: timedelta) -> timedelta:
    """Silence after which a customer who lapses after ``lapse`` counts as gone for good."""
    return max(2 * lapse, MIN_CHURN)


def journey(
    orders: Sequence[tuple[datetime, str]], *, now: datetime, signed_up: datetime | None = None
) -> Journey:
    """Stage events for ``orders`` (time, order id; ascending) and the status at ``now``.

    ``signed_up`` is given for customers who registered before buying; it becomes the lead
    event. Without orders the customer is a lead.
    """
    milestones: list[Milestone] = []
    if signed_up is not None:
        milestones.append(Milestone(JourneyStage.LEAD, "signed_up", signed_up))
    gaps: list[timedelta] = []
    previous: datetime | None = None
    for number, (placed_at, order_id) in enumerate(orders, start=1):
        details = {"order": order_id, "order_number": number}
        if previous is None:
            milestones.append(
                Milestone(JourneyStage.FIRST_PURCHASE, "first_order", placed_at, details)
            )
        else:
            silence = placed_at - previous
            if _went_quiet(milestones, previous, silence, gaps):
                milestones.append(
                    Milestone(JourneyStage.REACTIVATED, "order_after_lapse", placed_at, details)
                )
            elif number == 2:
                milestones.append(
                    Milestone(JourneyStage.REPEAT, "second_order", placed_at, details)
                )
            gaps.append(silence)
        previous = placed_at
    if previous is None:
        return Journey(milestones, LifecycleStatus.LEAD)
    if not _went_quiet(milestones, previous, now - previous, gaps):
        return Journey(milestones, LifecycleStatus.ACTIVE)
    if milestones[-1].stage is JourneyStage.CHURNED:
        return Journey(milestones, LifecycleStatus.CHURNED)
    return Journey(milestones, LifecycleStatus.LAPSED)


def _went_quiet(
    milestones: list[Milestone], last_order: datetime, silence: timedelta,
    gaps: Sequence[timedelta],
) -> bool:
    """Append the lapse (and churn) a silence caused; tell whether the customer lapsed."""
    lapse = lapse_after(gaps)
    if silence <= lapse:
        return False
    churn = churn_after(lapse)
    days = {"days_since_last_order": lapse.days}
    milestones.append(Milestone(JourneyStage.LAPSED, "no_recent_order", last_order + lapse, days))
    if silence > churn:
        days = {"days_since_last_order": churn.days}
        milestones.append(
            Milestone(JourneyStage.CHURNED, "no_order_for_long", last_order + churn, days)
        )
    return True
