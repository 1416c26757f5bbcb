"""Aggregates for the lifetime-value page: CLV distribution and P(alive) by recency/frequency."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.clv.models import CustomerValue

FREQUENCY_GROUPS = (
    (0, 0, "0 repeats"),
    (1, 1, "1"),
    (2, 3, "2–3"),
    (4, 7, "4–7"),
    (8, 10**9, "8+"),
)
RECENCY_BUCKETS_WEEKS = 8  # the x axis of the P(alive) chart groups weeks since last purchase


@dataclass(frozen=True)
class ValueReport:
    customers: int
    total_clv: float
    median_clv: float
    histogram_edges: list[float]
    histogram_counts: list[int]
    recency_labels: list[str]
    p_alive_by_group: dict[str, list[float | None]]
    share_likely_alive: float


def build(session: Session, *, bins: int = 20) -> ValueReport | None:
    rows = session.execute(
        select(
            CustomerValue.clv,
            CustomerValue.p_alive,
            CustomerValue.frequency,
            CustomerValue.recency,
            CustomerValue.age,
        )
    ).all()
    if not rows:
        return None
    arr = np.asarray(rows, dtype=np.float64)
    clv, p_alive, freq, recency, age = arr.T
    top = float(np.quantile(clv, 0.99)) or 1.0
    counts, edges = np.histogram(np.minimum(clv, top), bins=bins, range=(0.0, top))
    since_last = age - recency
    n_buckets = int(np.ceil(max(float(since_last.max()), 1.0) / RECENCY_BUCKETS_WEEKS))
    bucket = np.minimum((since_last // RECENCY_BUCKETS_WEEKS).astype(int), n_buckets - 1)
    labels = [
        f"{i * RECENCY_BUCKETS_WEEKS}–{(i + 1) * RECENCY_BUCKETS_WEEKS} wk"
        for i in range(n_buckets)
    ]
    series: dict[str, list[float | None]] = {}
    for lo, hi, name in FREQUENCY_GROUPS:
        in_group = (freq >= lo) & (freq <= hi)
        means: list[float | None] = []
        for b in range(n_buckets):
            sel = in_group & (bucket == b)
            means.append(round(float(p_alive[sel].mean()), 4) if sel.any() else None)
        series[name] = means
    return ValueReport(
        customers=int(clv.size),
        total_clv=float(clv.sum()),
        median_clv=float(np.median(clv)),
        histogram_edges=[round(float(e), 2) for e in edges],
        histogram_counts=[int(c) for c in counts],
        recency_labels=labels,
        p_alive_by_group=series,
        share_likely_alive=float((p_alive >= 0.5).mean()),
    )
