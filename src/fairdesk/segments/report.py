"""Figures for the segment pages: overview with shares and trend, RFM grid, comparison.

Everything reads stored results (snapshots, scores, memberships) or runs one aggregate query,
so the pages stay fast on a million customers.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Float, String, cast, func, select
from sqlalchemy.orm import Session

from fairdesk.clv.models import CustomerValue
from fairdesk.customers.models import Customer
from fairdesk.segments import service as segment_service
from fairdesk.segments.models import CustomerScore, Segment, SegmentKind, SegmentSnapshot
from fairdesk.segments.rfm import GRID, LABELS, fm_score

TREND_RUNS = 12
SAMPLE = 5_000


@dataclass(frozen=True)
class OverviewRow:
    segment: Segment
    size: int
    customer_share: float
    revenue_share: float
    clv_share: float
    trend: list[int]  # sizes at the last runs, oldest first


def overview(session: Session) -> dict[str, Any]:
    segments = segment_service.list_segments(session)
    snaps = session.execute(
        select(SegmentSnapshot).order_by(SegmentSnapshot.computed_at)
    ).scalars().all()
    history: dict[int, list[SegmentSnapshot]] = {}
    for row in snaps:
        history.setdefault(row.segment_id, []).append(row)
    times = sorted({s.computed_at for s in snaps})[-TREND_RUNS:]
    rfm_ids = {s.id for s in segments if s.kind == SegmentKind.RFM}
    latest = times[-1] if times else None
    last = {sid: found[-1] for sid, found in history.items()
            if found and found[-1].computed_at == latest}
    # RFM segments place every customer exactly once: their sum is the whole base.
    total = sum(last[s].size for s in rfm_ids if s in last)
    revenue = sum(last[s].revenue for s in rfm_ids if s in last)
    clv = sum(last[s].clv for s in rfm_ids if s in last)
    rows: dict[str, list[OverviewRow]] = {k.value: [] for k in SegmentKind}
    for seg in segments:
        snap = last.get(seg.id)
        by_time = {s.computed_at: s.size for s in history.get(seg.id, [])}
        rows[str(seg.kind)].append(OverviewRow(
            segment=seg, size=snap.size if snap else seg.size,
            customer_share=(snap.size / total) if snap and total else 0.0,
            revenue_share=(snap.revenue / revenue) if snap and revenue else 0.0,
            clv_share=(snap.clv / clv) if snap and clv else 0.0,
            trend=[by_time.get(t, 0) for t in times]))
    return {"rows": rows, "times": times, "total": total, "revenue": revenue, "clv": clv}


def trend_chart(rows: list[OverviewRow], times: list[datetime]) -> dict[str, Any]:
    palette = ("#2457d6", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#0ea5e9", "#84cc16",
               "#ec4899", "#64748b", "#14b8a6", "#f97316", "#a855f7")
    return {"type": "line", "data": {
        "labels": [t.strftime("%Y-%m-%d %H:%M") for t in times],
        "datasets": [{"label": r.segment.name, "data": r.trend,
                      "borderColor": palette[i % len(palette)],
                      "backgroundColor": palette[i % len(palette)]}
                     for i, r in enumerate(rows)]},
        "options": {"scales": {"y": {"beginAtZero": True,
                                     "title": {"display": True, "text": "customers"}}}}}


def share_chart(rows: list[OverviewRow]) -> dict[str, Any]:
    return {"type": "bar", "data": {
        "labels": [r.segment.name for r in rows],
        "datasets": [
            {"label": "share of customers", "data": [round(100 * r.customer_share, 1)
                                                     for r in rows], "backgroundColor": "#94a3b8"},
            {"label": "share of revenue", "data": [round(100 * r.revenue_share, 1)
                                                   for r in rows], "backgroundColor": "#2457d6"},
            {"label": "share of CLV", "data": [round(100 * r.clv_share, 1) for r in rows],
             "backgroundColor": "#10b981"}]},
        "options": {"indexAxis": "y", "scales": {
            "x": {"title": {"display": True, "text": "%"}}}}}


def rfm_grid(session: Session) -> dict[str, Any]:
    """Customers and spend in each (R, FM) cell, with the cell's named segment."""
    rows = session.execute(
        select(CustomerScore.r_score, CustomerScore.f_score, CustomerScore.m_score,
               func.count(), func.sum(CustomerScore.spend))
        .group_by(CustomerScore.r_score, CustomerScore.f_score, CustomerScore.m_score)
    ).all()
    cells = np.zeros((5, 5), dtype=np.int64)
    spend = np.zeros((5, 5))
    none = 0
    for r, f, m, n, s in rows:
        if r == 0:
            none += int(n)
            continue
        fm = int(fm_score(np.array([f]), np.array([m]))[0])
        cells[r - 1, fm - 1] += int(n)
        spend[r - 1, fm - 1] += float(s or 0)
    peak = int(cells.max()) or 1
    grid = [[{"count": int(cells[r, c]), "spend": float(spend[r, c]),
              "heat": min(9, int(10 * cells[r, c] / peak)),
              "segment": LABELS[GRID[r][c]][0], "code": str(GRID[r][c])}
             for c in range(5)] for r in range(4, -1, -1)]
    return {"grid": grid, "no_purchases": none, "total": int(cells.sum()) + none}


def compare(session: Session, segment_ids: list[int], *, now: datetime) -> list[dict[str, Any]]:
    """Side-by-side measures of a few segments: size, spend, value, fit, age, top tags."""
    out = []
    for sid in segment_ids:
        seg = segment_service.get_segment(session, sid)
        ids = segment_service.members(session, sid, now=now).subquery()
        stats = session.execute(
            select(func.count(), func.avg(CustomerScore.spend), func.avg(CustomerScore.orders),
                   func.avg(CustomerValue.clv), func.avg(CustomerScore.fit_score),
                   func.avg(cast(now.year - Customer.birth_year, Float)))
            .select_from(Customer)
            .join(ids, ids.c[0] == Customer.id)
            .outerjoin(CustomerScore, CustomerScore.customer_id == Customer.id)
            .outerjoin(CustomerValue, CustomerValue.customer_id == Customer.id)
        ).one()
        tags = session.execute(
            select(cast(Customer.values, String), cast(Customer.lifestyle, String),
                   Customer.preferred_channel)
            .join(ids, ids.c[0] == Customer.id).limit(SAMPLE)
        ).all()
        values: Counter[str] = Counter()
        lifestyle: Counter[str] = Counter()
        channels: Counter[str] = Counter()
        for v, life, channel in tags:
            values.update(json.loads(v or "[]"))
            lifestyle.update(json.loads(life or "[]"))
            channels[str(channel)] += 1
        sample = max(len(tags), 1)
        out.append({
            "segment": seg, "size": int(stats[0]),
            "avg_spend": float(stats[1] or 0), "avg_orders": float(stats[2] or 0),
            "avg_clv": None if stats[3] is None else float(stats[3]),
            "avg_fit": None if stats[4] is None else float(stats[4]),
            "avg_age": None if stats[5] is None else float(stats[5]),
            "values": [(t, n / sample) for t, n in values.most_common(3)],
            "lifestyle": [(t, n / sample) for t, n in lifestyle.most_common(3)],
            "channels": [(t, n / sample) for t, n in channels.most_common(2)],
        })
    return out


def compare_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "bar", "data": {
        "labels": ["average spend", "average CLV", "average orders × 10", "average fit"],
        "datasets": [{"label": r["segment"].name,
                      "data": [round(r["avg_spend"], 1), round(r["avg_clv"] or 0, 1),
                               round(10 * r["avg_orders"], 1), round(r["avg_fit"] or 0, 1)]}
                     for r in rows]}}


def best_fit(session: Session, *, minimum: float, limit: int = 100) -> list[tuple[Any, ...]]:
    """Customers with a fit score of at least ``minimum``, best first."""
    return list(session.execute(
        select(Customer, CustomerScore.fit_score, Segment.name)
        .join(CustomerScore, CustomerScore.customer_id == Customer.id)
        .outerjoin(Segment, Segment.id == CustomerScore.fit_segment_id)
        .where(CustomerScore.fit_score >= minimum)
        .order_by(CustomerScore.fit_score.desc(), Customer.id).limit(limit)
    ).all())
