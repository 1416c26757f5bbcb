"""The whole demo business as plain rows, drawn from a seed without touching a database.

Order of work: kinds → sign-up and purchase times → profiles → orders → journey events and
lifecycle status. Each step draws from its own stream (``draws.stream``), so the kinds can be
recomputed alone (``planted_kinds``) and a later step never disturbs an earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fairdesk.demo.draws import stream
from fairdesk.demo.kinds import KIND_SPECS, Kind
from fairdesk.demo.lifecycle import journey
from fairdesk.demo.orders import draw_orders
from fairdesk.demo.profiles import draw_profiles, external_customer_id
from fairdesk.demo.purchases import draw_timelines, history_start

DEFAULT_SEED = 2026
DEFAULT_CUSTOMERS = 5_000
DEFAULT_NOW = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DemoPlan:
    """Rows for the customer, order and journey-event tables, ready for bulk insert.

    Orders and events carry no ``customer_id`` (unknown before the customers are written);
    ``order_owner`` and ``event_owner`` give the index of each row's customer instead.
    """

    now: datetime
    kinds: list[Kind]  # parallel to customers
    customers: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    order_owner: list[int]
    events: list[dict[str, Any]]
    event_owner: list[int]


def planted_kinds(seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS) -> dict[str, Kind]:
    """The kind planted in each demo customer, by external id — the truth for segmentation."""
    kind_index = _draw_kinds(seed, customers)
    return {external_customer_id(i + 1): KIND_SPECS[k].kind for i, k in enumerate(kind_index)}


def plan_demo(
    *, seed: int = DEFAULT_SEED, customers: int = DEFAULT_CUSTOMERS, now: datetime = DEFAULT_NOW
) -> DemoPlan:
    """Draw the demo business whose history ends at ``now`` (aware; kept to whole seconds)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    now = now.astimezone(UTC).replace(microsecond=0)
    start = history_start(now)
    kind_index = _draw_kinds(seed, customers)
    timelines = draw_timelines(stream(seed, "purchases"), kind_index, start)
    profiles = draw_profiles(stream(seed, "profiles"), kind_index, year=now.year)
    abroad = np.array([p["country"] not in (None, "GB") for p in profiles], dtype=np.bool_)
    orders, order_owner = draw_orders(stream(seed, "orders"), kind_index, timelines, abroad, start)

    history: list[list[tuple[datetime, str]]] = [[] for _ in range(customers)]
    for row, owner in zip(orders, order_owner, strict=True):
        history[owner].append((row["placed_at"], row["external_id"]))
    timed_events: list[tuple[datetime, int, int, dict[str, Any]]] = []
    for i, (profile, timeline) in enumerate(zip(profiles, timelines, strict=True)):
        signed_up = start + timedelta(seconds=timeline.signed_up)
        story = journey(history[i], now=now, signed_up=signed_up if timeline.lead else None)
        for seq, m in enumerate(story.milestones):
            row = {"stage": m.stage, "event_type": m.event_type, "occurred_at": m.occurred_at,
                   "details": m.details}
            timed_events.append((m.occurred_at, i, seq, row))
        last_seen = [signed_up, story.milestones[-1].occurred_at, *(t for t, _ in history[i][-1:])]
        profile.update(lifecycle_status=story.status, created_at=signed_up,
                       updated_at=max(last_seen))
    timed_events.sort(key=lambda e: e[:3])
    return DemoPlan(
        now=now,
        kinds=[KIND_SPECS[k].kind for k in kind_index],
        customers=profiles,
        orders=orders,
        order_owner=[int(o) for o in order_owner],
        events=[e[3] for e in timed_events],
        event_owner=[e[1] for e in timed_events],
    )


def _draw_kinds(seed: int, customers: int) -> NDArray[np.int64]:
    """Index into ``KIND_SPECS`` per customer: exact shares (largest remainder), shuffled.

    Exact quotas rather than independent draws keep every kind present at its share even in
    small demos, so tests and benchmarks are not at the mercy of sampling noise.
    """
    if seed < 0 or customers < 0:
        raise ValueError("seed and customers must not be negative")
    shares = np.array([spec.share for spec in KIND_SPECS])
    exact = shares / shares.sum() * customers
    quota = np.floor(exact).astype(np.int64)
    by_remainder = np.argsort(-(exact - quota), kind="stable")
    quota[by_remainder[: customers - int(quota.sum())]] += 1
    kinds = np.repeat(np.arange(len(KIND_SPECS)), quota)
    shuffled: NDArray[np.int64] = stream(seed, "kinds").permutation(kinds)
    return shuffled
