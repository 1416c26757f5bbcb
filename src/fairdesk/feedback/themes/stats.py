"""How big each theme is week by week, and who writes it (segment and persona).

Weeks end at the newest text any theme holds (not at today), so a desk whose feedback
stopped coming in still sees its last weeks rather than a row of zeros.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.db.base import utcnow
from fairdesk.feedback.themes.corpus import Quoter, bodies
from fairdesk.feedback.themes.models import ThemeMembership
from fairdesk.personas import card
from fairdesk.personas.models import Persona
from fairdesk.segments.models import CustomerScore, Segment, SegmentKind

WEEK = timedelta(days=7)
UNKNOWN = "not yet segmented"


@dataclass(frozen=True)
class Weekly:
    starts: list[datetime]  # the first moment of each week, oldest first
    counts: dict[int, list[int]]  # theme id -> texts per week

    def trend(self, theme_id: int) -> tuple[int, int, float | None]:
        """(last week, the week before, change in percent or None without a base)."""
        series = self.counts.get(theme_id, [0] * len(self.starts))
        last, before = (series[-1], series[-2]) if len(series) >= 2 else (0, 0)
        return last, before, (None if before == 0 else round(100.0 * (last - before) / before, 1))


def weekly(session: Session, theme_ids: Sequence[int], *, weeks: int = 12) -> Weekly:
    newest = session.scalar(select(func.max(ThemeMembership.written_at)))
    end = (newest or utcnow()) + timedelta(seconds=1)
    start = end - weeks * WEEK
    starts = [start + i * WEEK for i in range(weeks)]
    counts: dict[int, list[int]] = {tid: [0] * weeks for tid in theme_ids}
    if not theme_ids:
        return Weekly(starts, counts)
    rows = session.execute(
        select(ThemeMembership.theme_id, ThemeMembership.written_at).where(
            ThemeMembership.theme_id.in_(list(theme_ids)), ThemeMembership.written_at >= start
        )
    )
    for theme_id, at in rows:
        index = min(weeks - 1, int((at - start) / WEEK))
        counts[theme_id][index] += 1
    return Weekly(starts, counts)


def sparkline(
    series: list[int], starts: list[datetime], label: str, *, compact: bool = False
) -> dict[str, Any]:
    """A Chart.js line spec (drawn by /static/charts.js from JSON, never inline script).

    ``compact`` hides the axes: a sparkline in a table row, its numbers in the row itself.
    """
    axes = {"display": not compact}
    return {
        "type": "line",
        "data": {
            "labels": [s.strftime("%d %b") for s in starts],
            "datasets": [
                {
                    "label": label,
                    "data": series,
                    "borderColor": "#2457d6",
                    "backgroundColor": "rgba(36,87,214,0.15)",
                    "fill": True,
                    "pointRadius": 0,
                    "tension": 0.3,
                }
            ],
        },
        "options": {
            "plugins": {"legend": {"display": False}},
            "scales": {
                "x": axes,
                "y": {**axes, "beginAtZero": True, "ticks": {"precision": 0}},
            },
        },
    }


def breakdown(session: Session, theme_ids: Sequence[int]) -> dict[int, dict[str, list[Any]]]:
    """Per theme: texts and customers by RFM segment and by persona, largest first."""
    if not theme_ids:
        return {}
    rows = session.execute(
        select(
            ThemeMembership.theme_id,
            CustomerScore.rfm_segment,
            CustomerScore.persona_id,
            func.count(),
            func.count(func.distinct(ThemeMembership.customer_id)),
        )
        .outerjoin(CustomerScore, CustomerScore.customer_id == ThemeMembership.customer_id)
        .where(ThemeMembership.theme_id.in_(list(theme_ids)))
        .group_by(ThemeMembership.theme_id, CustomerScore.rfm_segment, CustomerScore.persona_id)
    ).all()
    segment_names = dict(
        session.execute(
            select(Segment.key, Segment.name).where(Segment.kind == SegmentKind.RFM)
        ).all()
    )
    persona_ids = {p for _, _, p, _, _ in rows if p}
    personas = (
        {
            p.id: card.display_name(p)
            for p in session.scalars(select(Persona).where(Persona.id.in_(persona_ids)))
        }
        if persona_ids
        else {}
    )
    by_segment: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    by_persona: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for theme_id, rfm, persona_id, texts, people in rows:
        seg = segment_names.get(f"rfm:{rfm}", rfm) if rfm else UNKNOWN
        per = personas.get(persona_id, "no persona") if persona_id else "no persona"
        for table, key in ((by_segment, seg), (by_persona, per)):
            table[theme_id][key][0] += texts
            table[theme_id][key][1] += people  # customers can repeat across persona rows
    out: dict[int, dict[str, list[Any]]] = {}
    for theme_id in theme_ids:
        out[theme_id] = {
            name: sorted(
                ([k, v[0], v[1]] for k, v in table[theme_id].items()), key=lambda r: (-r[1], r[0])
            )
            for name, table in (("segment", by_segment), ("persona", by_persona))
        }
    return out


def members(session: Session, theme_id: int, *, limit: int = 50) -> list[dict[str, Any]]:
    """The newest texts of a theme, masked and trimmed, with links to ticket and customer."""
    rows = session.scalars(
        select(ThemeMembership)
        .where(ThemeMembership.theme_id == theme_id)
        .order_by(ThemeMembership.written_at.desc(), ThemeMembership.id)
        .limit(limit)
    ).all()
    found = bodies(session, [(m.source_kind, m.source_id) for m in rows])
    quoter = Quoter()
    return [
        {
            "source_kind": m.source_kind,
            "source_id": m.source_id,
            "customer_id": m.customer_id,
            "ticket_id": m.ticket_id,
            "written_at": m.written_at,
            "text": quoter.safe(found.get((m.source_kind, m.source_id), ""))[0],
        }
        for m in rows
    ]
