"""What each purchase looks like: value, items, channel, delivery and what became of it.

Order values follow the Gamma-Gamma model per kind (see ``Behaviour``). Statuses follow the
order's age: orders from the last hours are pending, orders not yet delivered are paid, and
older ones are fulfilled except for a few cancellations and about 3 % refunds, full or
partial. Order numbers run in time order across the whole shop, as a real shop's would.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import NDArray

from fairdesk.customers.models import OrderStatus
from fairdesk.demo.draws import categorical, weight_matrix
from fairdesk.demo.kinds import KIND_SPECS
from fairdesk.demo.purchases import DAY, HORIZON, Timeline
from fairdesk.demo.vocab import ORDER_CHANNELS

CURRENCY = "GBP"
HOUR = 3_600
PENDING_FOR = 6 * HOUR  # payment is still being taken
CANCELLED_SHARE = 0.02
REFUNDED_SHARE = 0.012
PARTIALLY_REFUNDED_SHARE = 0.018
EQUIPMENT_MULTIPLE = 5
MIN_ORDER = 3.5  # a single 250 g bag of ground coffee


def external_order_id(number: int) -> str:
    return f"O{number:07d}"


def draw_orders(
    rng: np.random.Generator,
    kind_index: NDArray[np.int64],
    timelines: list[Timeline],
    abroad: NDArray[np.bool_],
    start: datetime,
) -> tuple[list[dict[str, Any]], NDArray[np.int64]]:
    """Order rows in time order (without ``customer_id``) and each row's customer index."""
    behaviours = [spec.behaviour for spec in KIND_SPECS]

    def per_kind(name: str) -> NDArray[np.float64]:
        return np.array([getattr(b, name) for b in behaviours], dtype=np.float64)

    owner = np.concatenate(
        [np.full(len(t.purchases), i, dtype=np.int64) for i, t in enumerate(timelines)]
        + [np.empty(0, dtype=np.int64)]
    )
    placed = np.concatenate(
        [np.asarray(t.purchases, dtype=np.int64) for t in timelines]
        + [np.empty(0, dtype=np.int64)]
    )
    chronological = np.lexsort((owner, placed))
    owner, placed = owner[chronological], placed[chronological]
    kind = kind_index[owner]
    n = len(owner)

    spread = per_kind("spend_spread")[kind_index]
    customer_mean = per_kind("spend")[kind_index] * rng.gamma(spread, 1 / spread)
    shape = per_kind("spend_shape")[kind]
    base_value = np.maximum(rng.gamma(shape, customer_mean[owner] / shape), MIN_ORDER)
    equipment = rng.random(n) < per_kind("big_ticket")[kind]
    cents = np.rint(base_value * np.where(equipment, EQUIPMENT_MULTIPLE, 1) * 100)
    items = np.maximum(
        1, np.rint(base_value / per_kind("unit_price")[kind] * rng.lognormal(0, 0.25, n))
    ) + equipment
    channels = categorical(
        rng, weight_matrix([b.order_channel for b in behaviours], ORDER_CHANNELS)[kind]
    )
    transit_hours = np.where(abroad[owner], 48 + rng.gamma(3, 24, n), 20 + rng.gamma(2, 12, n))
    delivered = placed + np.rint(transit_hours * HOUR).astype(np.int64)
    fate = rng.random(n)
    refunded_at = delivered + rng.integers(DAY, 10 * DAY, n)
    cancelled_at = placed + rng.integers(10 * 60, PENDING_FOR, n)
    refund_share = rng.uniform(0.1, 0.6, n)

    def at(seconds: int) -> datetime:
        return start + timedelta(seconds=seconds)

    rows = []
    for i in range(n):
        status, updated, refund_cents = _fate(
            int(placed[i]), int(delivered[i]), int(refunded_at[i]), int(cancelled_at[i]),
            float(fate[i]), int(cents[i]), float(refund_share[i]),
        )
        shipped = status in (OrderStatus.FULFILLED, OrderStatus.REFUNDED,
                             OrderStatus.PARTIALLY_REFUNDED)
        rows.append({
            "external_id": external_order_id(i + 1),
            "placed_at": at(int(placed[i])),
            "amount": Decimal(int(cents[i])).scaleb(-2),
            "currency": CURRENCY,
            "status": status,
            "refunded_amount": Decimal(refund_cents).scaleb(-2),
            "item_count": int(items[i]),
            "channel": ORDER_CHANNELS[channels[i]],
            "delivered_at": at(int(delivered[i])) if shipped else None,
            "created_at": at(int(placed[i])),
            "updated_at": at(updated),
        })
    return rows, owner


def _fate(
    placed: int, delivered: int, refunded_at: int, cancelled_at: int,
    fate: float, cents: int, refund_share: float,
) -> tuple[OrderStatus, int, int]:
    """Status, time of the last change and refunded cents, as seen at ``now``."""
    if HORIZON - placed < PENDING_FOR:
        return OrderStatus.PENDING, placed, 0
    if fate < CANCELLED_SHARE:
        return OrderStatus.CANCELLED, cancelled_at, 0
    if delivered >= HORIZON:
        return OrderStatus.PAID, placed, 0
    fate -= CANCELLED_SHARE
    if refunded_at < HORIZON and fate < REFUNDED_SHARE:
        return OrderStatus.REFUNDED, refunded_at, cents
    if refunded_at < HORIZON and fate < REFUNDED_SHARE + PARTIALLY_REFUNDED_SHARE:
        partial = min(max(round(cents * refund_share), 1), cents - 1)
        return OrderStatus.PARTIALLY_REFUNDED, refunded_at, partial
    return OrderStatus.FULFILLED, delivered, 0
