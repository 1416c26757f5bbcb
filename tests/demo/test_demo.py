"""The demo business: deterministic, planted kinds that really differ, a coherent history."""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, Row, func, select
from sqlalchemy.orm import Session

from fairdesk.customers.models import (
    Customer,
    JourneyEvent,
    JourneyStage,
    LifecycleStatus,
    Order,
    OrderStatus,
)
from fairdesk.db.migrate import upgrade
from fairdesk.db.session import build_engine, unit_of_work
from fairdesk.demo import (
    DEFAULT_NOW,
    DemoSummary,
    Kind,
    build_demo,
    plan_demo,
    planted_kinds,
)
from fairdesk.demo.draws import weight_matrix
from fairdesk.demo.kinds import KIND_SPECS
from fairdesk.demo.lifecycle import MIN_CHURN, MIN_LAPSE, journey, lapse_after
from fairdesk.demo.vocab import VALUES
from fairdesk.errors import Conflict

SEED = 11
CUSTOMERS = 800
NOW = DEFAULT_NOW
SEGMENT_FIELDS = ("birth_year", "gender", "country", "region", "city", "education",
                  "income_band", "household_size", "usage_frequency", "attitude")


@dataclass
class Built:
    engine: Engine
    summary: DemoSummary
    customers: list[Row[Any]]
    orders: list[Row[Any]]
    events: list[Row[Any]]

    def kind_of(self, customer_id: int) -> Kind:
        return self.kind_by_pk[customer_id]

    @property
    def kind_by_pk(self) -> dict[int, Kind]:
        return {pk: self.summary.kinds[ext] for ext, pk in self.summary.customer_ids.items()}


def _build(path: Path, seed: int, customers: int = CUSTOMERS) -> tuple[Engine, DemoSummary]:
    engine = build_engine(f"sqlite:///{path}")
    upgrade(engine)
    with unit_of_work(engine) as session:
        summary = build_demo(session, seed=seed, customers=customers, now=NOW)
    return engine, summary


def _table_rows(engine: Engine) -> dict[str, list[Row[Any]]]:
    with engine.connect() as conn:
        return {
            name: list(conn.execute(select(table).order_by(table.c.id)))
            for name, table in (
                ("customer", Customer.__table__), ("order", Order.__table__),
                ("event", JourneyEvent.__table__),
            )
        }


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    engine, summary = _build(tmp_path_factory.mktemp("demo") / "d.db", SEED)
    rows = _table_rows(engine)
    yield Built(engine, summary, rows["customer"], rows["order"], rows["event"])
    engine.dispose()


def _orders_by_customer(built: Built) -> dict[int, list[Row[Any]]]:
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for order in sorted(built.orders, key=lambda o: o.placed_at):
        grouped[order.customer_id].append(order)
    return grouped


# --- determinism -----------------------------------------------------------------------------

def test_same_seed_gives_identical_rows_and_another_seed_differs(
    built: Built, tmp_path: Path
) -> None:
    again, _ = _build(tmp_path / "again.db", SEED)
    other, _ = _build(tmp_path / "other.db", SEED + 1)
    first, second, third = _table_rows(built.engine), _table_rows(again), _table_rows(other)
    assert first == second
    assert first["customer"] != third["customer"] and first["order"] != third["order"]
    again.dispose()
    other.dispose()


def test_planted_kinds_recompute_without_a_database(built: Built) -> None:
    kinds = planted_kinds(SEED, CUSTOMERS)
    assert kinds == built.summary.kinds
    assert list(kinds) == [c.external_id for c in built.customers]
    counts = Counter(kinds.values())
    for spec in KIND_SPECS:
        assert abs(counts[spec.kind] - spec.share * CUSTOMERS) <= 1
    assert planted_kinds(SEED + 1, CUSTOMERS) != kinds


def test_summary_counts_match_the_database(built: Built) -> None:
    summary = built.summary
    assert (summary.customers, summary.orders, summary.events) == (
        len(built.customers), len(built.orders), len(built.events))
    assert sum(c.customers for c in summary.per_kind.values()) == CUSTOMERS
    assert sum(c.orders for c in summary.per_kind.values()) == len(built.orders)
    assert summary.business and summary.currency == "GBP" and summary.now == NOW
    assert {o.currency for o in built.orders} == {"GBP"}


# --- the kinds really differ -----------------------------------------------------------------

def test_kinds_differ_in_behaviour(built: Built) -> None:
    orders = _orders_by_customer(built)
    count: dict[Kind, list[int]] = defaultdict(list)
    spend: dict[Kind, list[float]] = defaultdict(list)
    december: dict[Kind, list[bool]] = defaultdict(list)
    for customer in built.customers:
        kind = built.kind_of(customer.id)
        count[kind].append(len(orders[customer.id]))
        for order in orders[customer.id]:
            spend[kind].append(float(order.amount))
            december[kind].append(order.placed_at.month == 12)
    mean_count = {k: statistics.mean(v) for k, v in count.items()}
    mean_spend = {k: statistics.mean(v) for k, v in spend.items()}
    assert mean_count[Kind.SUBSCRIPTION_ENTHUSIAST] > 3 * mean_count[Kind.GIFT_BUYER]
    assert mean_count[Kind.OFFICE_MANAGER] > 2 * mean_count[Kind.BARGAIN_HUNTER]
    assert mean_count[Kind.LAPSED_TRIAL] < 2
    assert mean_spend[Kind.OFFICE_MANAGER] > 2.5 * max(
        v for k, v in mean_spend.items() if k is not Kind.OFFICE_MANAGER)
    assert mean_spend[Kind.STUDENT] < 20 and mean_spend[Kind.BARGAIN_HUNTER] < 20
    assert mean_spend[Kind.HOME_BARISTA] > 2 * mean_spend[Kind.STUDENT]
    assert statistics.mean(december[Kind.GIFT_BUYER]) > 0.3
    assert statistics.mean(december[Kind.SUBSCRIPTION_ENTHUSIAST]) < 0.15


def test_kinds_differ_on_all_four_criteria(built: Built) -> None:
    by_kind: dict[Kind, list[Row[Any]]] = defaultdict(list)
    for customer in built.customers:
        by_kind[built.kind_of(customer.id)].append(customer)

    def share(kind: Kind, test: Any) -> float:
        return statistics.mean(bool(test(c)) for c in by_kind[kind])

    def mean_age(kind: Kind) -> float:
        return statistics.mean(NOW.year - c.birth_year for c in by_kind[kind] if c.birth_year)

    # demography
    assert mean_age(Kind.STUDENT) < 24 < 45 < mean_age(Kind.GIFT_BUYER)
    assert 30 <= mean_age(Kind.SUBSCRIPTION_ENTHUSIAST) <= 45
    assert share(Kind.STUDENT, lambda c: c.income_band == "under_20k") > 0.6
    # psychography
    assert share(Kind.BARGAIN_HUNTER, lambda c: "discounts" in c.values) > 0.4
    assert share(Kind.SUBSCRIPTION_ENTHUSIAST, lambda c: "discounts" in c.values) < 0.15
    # lifestyle
    assert share(Kind.STUDENT, lambda c: "student life" in c.lifestyle) > 0.5
    assert share(Kind.OFFICE_MANAGER, lambda c: "busy office" in c.lifestyle) > 0.5
    # usage & attitude
    assert share(Kind.GIFT_BUYER, lambda c: "gifts" in c.product_lines) > 0.8
    assert share(Kind.HOME_BARISTA, lambda c: "equipment" in c.product_lines) > 0.6
    assert share(Kind.BARGAIN_HUNTER, lambda c: c.attitude == "price_sensitive") > 0.6


# --- a coherent history ----------------------------------------------------------------------

def test_orders_fall_between_acquisition_and_now(built: Built) -> None:
    signed_up = {c.id: c.created_at for c in built.customers}
    for order in built.orders:
        assert signed_up[order.customer_id] <= order.placed_at < NOW
        assert order.placed_at >= NOW - timedelta(days=730)
        if order.delivered_at is not None:
            assert order.placed_at < order.delivered_at <= NOW
        shipped = order.status in (OrderStatus.FULFILLED, OrderStatus.REFUNDED,
                                   OrderStatus.PARTIALLY_REFUNDED)
        assert shipped == (order.delivered_at is not None)
        if order.status in (OrderStatus.PENDING, OrderStatus.PAID):
            assert NOW - order.placed_at < timedelta(days=14)
        assert order.created_at == order.placed_at <= order.updated_at <= NOW
        assert order.item_count >= 1 and order.amount > 0
    numbers = [int(o.external_id[1:]) for o in sorted(built.orders, key=lambda o: o.placed_at)]
    assert numbers == sorted(numbers)  # order numbers run in time order


def test_refunds_and_cancellations(built: Built) -> None:
    statuses = Counter(o.status for o in built.orders)
    for order in built.orders:
        if order.status == OrderStatus.REFUNDED:
            assert order.refunded_amount == order.amount > 0
        elif order.status == OrderStatus.PARTIALLY_REFUNDED:
            assert 0 < order.refunded_amount < order.amount
        else:
            assert order.refunded_amount == 0
    total = len(built.orders)
    refunded = statuses[OrderStatus.REFUNDED] + statuses[OrderStatus.PARTIALLY_REFUNDED]
    assert 0.01 < refunded / total < 0.06
    assert 0.005 < statuses[OrderStatus.CANCELLED] / total < 0.05
    assert statuses[OrderStatus.FULFILLED] / total > 0.85


def test_lifecycle_status_follows_the_last_order(built: Built) -> None:
    orders = _orders_by_customer(built)
    statuses = Counter(c.lifecycle_status for c in built.customers)
    assert set(statuses) == {s for s in LifecycleStatus if s is not LifecycleStatus.PARTED}
    for customer in built.customers:
        history = orders[customer.id]
        if not history:
            assert customer.lifecycle_status == LifecycleStatus.LEAD
            continue
        day = 86_400
        silence = (NOW - history[-1].placed_at).total_seconds()
        gaps = [(b.placed_at - a.placed_at).total_seconds() for a, b in pairwise(history)]
        lapse = max(3 * statistics.median(gaps), 120 * day) if gaps else 120 * day
        expected = LifecycleStatus.ACTIVE
        if silence > max(2 * lapse, 365 * day):
            expected = LifecycleStatus.CHURNED
        elif silence > lapse:
            expected = LifecycleStatus.LAPSED
        assert customer.lifecycle_status == expected, customer.external_id


def test_journey_events_tell_the_same_story(built: Built) -> None:
    orders = _orders_by_customer(built)
    events: dict[int, list[Row[Any]]] = defaultdict(list)
    for event in sorted(built.events, key=lambda e: (e.occurred_at, e.id)):
        events[event.customer_id].append(event)
    for customer in built.customers:
        story = events[customer.id]
        assert story, customer.external_id
        assert customer.created_at <= story[0].occurred_at and story[-1].occurred_at <= NOW
        stages = [e.stage for e in story]
        history = orders[customer.id]
        assert stages.count(JourneyStage.FIRST_PURCHASE) == (1 if history else 0)
        if history:
            first = next(e for e in story if e.stage == JourneyStage.FIRST_PURCHASE)
            assert first.occurred_at == history[0].placed_at
            assert first.details["order"] == history[0].external_id
        assert stages.count(JourneyStage.REACTIVATED) <= stages.count(JourneyStage.LAPSED)
        last = {JourneyStage.LAPSED: LifecycleStatus.LAPSED,
                JourneyStage.CHURNED: LifecycleStatus.CHURNED,
                JourneyStage.LEAD: LifecycleStatus.LEAD}.get(stages[-1], LifecycleStatus.ACTIVE)
        assert customer.lifecycle_status == last


# --- realistic, imperfect profiles -----------------------------------------------------------

def test_some_fields_are_unknown(built: Built) -> None:
    for name in SEGMENT_FIELDS:
        unknown = statistics.mean(getattr(c, name) is None for c in built.customers)
        assert 0.03 <= unknown <= 0.2, name
    tags_only = [c for c in built.customers
                 if all(getattr(c, name) is None for name in SEGMENT_FIELDS)]
    assert tags_only and any(c.values or c.lifestyle for c in tags_only)
    assert any(not c.values for c in built.customers)


def test_contact_details_are_unique_and_fictional(built: Built) -> None:
    emails = [c.email for c in built.customers]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z-]+\.[a-z-]+\.\d+@example\.(com|org)", e) for e in emails)
    assert all(re.fullmatch(r"C\d{6}", c.external_id) for c in built.customers)
    assert all(re.fullmatch(r"O\d{7}", o.external_id) for o in built.orders)
    assert all(c.phone is None or c.phone.startswith("+44 7700 900") for c in built.customers)
    assert Counter(c.country for c in built.customers).most_common(1)[0][0] == "GB"
    assert {c.country for c in built.customers} >= {"GB", "IE", "DE", "FR", "NL"}


def test_all_datetimes_are_aware_utc() -> None:
    plan = plan_demo(seed=SEED, customers=200)
    assert plan.now == DEFAULT_NOW
    for row in [*plan.customers, *plan.orders, *plan.events]:
        for value in row.values():
            if isinstance(value, datetime):
                assert value.tzinfo is UTC and value.microsecond == 0


def test_now_must_be_aware_and_ends_the_history() -> None:
    with pytest.raises(ValueError):
        plan_demo(customers=10, now=datetime(2026, 1, 1))  # naive on purpose
    later = datetime(2027, 3, 1, 12, 30, 15, 999, tzinfo=UTC)
    plan = plan_demo(customers=100, now=later)
    assert plan.now == later.replace(microsecond=0)
    assert max(o["placed_at"] for o in plan.orders) < later


def test_building_twice_into_one_database_is_refused(built: Built) -> None:
    with Session(built.engine) as session, pytest.raises(Conflict):
        build_demo(session, seed=SEED, customers=10)


def test_builds_on_every_database(session: Session) -> None:
    """The shared fixture runs this on SQLite and PostgreSQL."""
    summary = build_demo(session, seed=3, customers=150)
    assert session.scalar(select(func.count()).select_from(Customer)) == 150
    assert session.scalar(select(func.count()).select_from(Order)) == summary.orders
    assert session.scalar(select(func.count()).select_from(JourneyEvent)) == summary.events
    first = summary.plan.orders[0]
    stored = session.scalars(select(Order).where(Order.external_id == first["external_id"])).one()
    assert (stored.placed_at, stored.amount, stored.delivered_at) == (
        first["placed_at"], first["amount"], first["delivered_at"])
    customer = session.get(Customer, summary.customer_ids["C000001"])
    assert customer is not None and customer.values == summary.plan.customers[0]["values"]


# --- the rules, on any history ---------------------------------------------------------------

def test_a_typo_in_a_kind_fails_loudly() -> None:
    with pytest.raises(KeyError, match="qualty"):
        weight_matrix([{"qualty": 1.0}], VALUES)


histories = st.lists(
    st.integers(min_value=0, max_value=730 * 24), min_size=0, max_size=30, unique=True
).map(sorted)


@given(hours=histories, tail=st.integers(min_value=1, max_value=800 * 24),
       lead=st.booleans())
def test_journey_rule_on_any_history(hours: list[int], tail: int, lead: bool) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    orders = [(start + timedelta(hours=h), f"O{i}") for i, h in enumerate(hours)]
    now = start + timedelta(hours=(hours[-1] if hours else 0) + tail)
    signed_up = start - timedelta(days=1) if lead else None
    story = journey(orders, now=now, signed_up=signed_up)
    times = [m.occurred_at for m in story.milestones]
    assert times == sorted(times) and all(t <= now for t in times)
    stages = [m.stage for m in story.milestones]
    assert (stages[:1] == [JourneyStage.LEAD]) == lead
    assert stages.count(JourneyStage.FIRST_PURCHASE) == (1 if orders else 0)
    for i, stage in enumerate(stages):
        if stage is JourneyStage.REACTIVATED:
            assert JourneyStage.LAPSED in stages[:i]
        if stage is JourneyStage.CHURNED:
            assert stages[i - 1] is JourneyStage.LAPSED
    if not orders:
        assert story.status is LifecycleStatus.LEAD
    else:
        gaps = [b[0] - a[0] for a, b in pairwise(orders)]
        silence = now - orders[-1][0]
        assert (story.status is LifecycleStatus.ACTIVE) == (silence <= lapse_after(gaps))
        if story.status is LifecycleStatus.CHURNED:
            assert silence > MIN_CHURN


@given(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=20))
def test_lapse_threshold_is_three_usual_gaps_but_never_under_120_days(days: list[int]) -> None:
    threshold = lapse_after([timedelta(days=d) for d in days])
    assert threshold >= MIN_LAPSE
    assert threshold >= 3 * timedelta(days=statistics.median(days))
    assert lapse_after([]) == MIN_LAPSE
