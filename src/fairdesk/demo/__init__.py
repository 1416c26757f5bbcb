"""A deterministic demo business: Lark Lane Roasters, an online coffee roaster in Bristol.

``build_demo`` writes two years of customers, orders and journey events drawn from seven
planted kinds of customer (``kinds.py``), so that segmentation, personas, CLV and the
scorecard have something real to find — and a known truth (``planted_kinds``) to be
measured against. The same seed always gives the same rows.

How the demo is built, and where later parts plug in:

1. ``plan_demo`` draws every row without a database (``generate.py``).
2. ``write_plan`` bulk-inserts them in the caller's transaction (``load.py``).
3. Later parts (tickets, surveys, fairness cases) add a module here with a function
   ``add_<part>(session, summary, rng)`` that takes ``rng = stream(summary.seed, "<part>")``
   and the ids and rows in the ``DemoSummary``, and ``build_demo`` calls it after step 2.
   A stream of its own keeps the customers and orders of a seed unchanged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from fairdesk.demo.draws import stream
from fairdesk.demo.generate import (
    DEFAULT_CUSTOMERS,
    DEFAULT_NOW,
    DEFAULT_SEED,
    DemoPlan,
    plan_demo,
    planted_kinds,
)
from fairdesk.demo.kinds import KIND_SPECS, Kind
from fairdesk.demo.load import write_plan
from fairdesk.demo.orders import CURRENCY

BUSINESS_NAME = "Lark Lane Roasters"

__all__ = [
    "BUSINESS_NAME", "CURRENCY", "DEFAULT_CUSTOMERS", "DEFAULT_NOW", "DEFAULT_SEED",
    "DemoPlan", "DemoSummary", "Kind", "KindCounts", "build_demo", "plan_demo",
    "planted_kinds", "stream",
]


@dataclass(frozen=True)
class KindCounts:
    customers: int
    orders: int
    events: int


@dataclass(frozen=True)
class DemoSummary:
    """What was written: counts, the id maps later parts attach to, and the rows themselves."""

    business: str
    currency: str
    seed: int
    now: datetime
    customer_ids: dict[str, int]  # external id → primary key
    kinds: dict[str, Kind]  # external id → planted kind
    per_kind: dict[Kind, KindCounts]
    plan: DemoPlan

    @property
    def customers(self) -> int:
        return len(self.plan.customers)

    @property
    def orders(self) -> int:
        return len(self.plan.orders)

    @property
    def events(self) -> int:
        return len(self.plan.events)


def build_demo(
    session: Session,
    *,
    seed: int = DEFAULT_SEED,
    customers: int = DEFAULT_CUSTOMERS,
    now: datetime = DEFAULT_NOW,
) -> DemoSummary:
    """Write the demo business into ``session``'s transaction; the caller commits.

    ``now`` ends the history: the CLI may pass the current time for a fresh-looking demo,
    tests and benchmarks keep the fixed default so results are comparable.
    """
    plan = plan_demo(seed=seed, customers=customers, now=now)
    ids = write_plan(session, plan)
    external = [row["external_id"] for row in plan.customers]
    orders = Counter(plan.kinds[owner] for owner in plan.order_owner)
    events = Counter(plan.kinds[owner] for owner in plan.event_owner)
    people = Counter(plan.kinds)
    return DemoSummary(
        business=BUSINESS_NAME,
        currency=CURRENCY,
        seed=seed,
        now=plan.now,
        customer_ids=dict(zip(external, ids, strict=True)),
        kinds=dict(zip(external, plan.kinds, strict=True)),
        per_kind={
            spec.kind: KindCounts(people[spec.kind], orders[spec.kind], events[spec.kind])
            for spec in KIND_SPECS
        },
        plan=plan,
    )
