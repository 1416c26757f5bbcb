"""Pain points: where complaints and funnel drop-off concentrate beyond what size explains.

For every cell (a segment, persona, agent, channel or journey stage) and every complaint (a
low-CSAT reason code, or a triage topic counted by its angry tickets), the *expected* count
is the cell's share of all complaints of that kind times the complaint's overall count; the
*excess* is what the cell has beyond that. Funnel drop-off works the same way: a segment whose
paid customers never come back more often than the business as a whole has an excess of
customers lost at that step. Ranking by excess puts a large, concentrated problem first and
keeps a small cell's one bad week from shouting (a minimum count applies).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from fairdesk.journeys.funnel import CohortCounts
from fairdesk.journeys.stages import FUNNEL

MIN_OBSERVED = 3
MIN_EXCESS = 1.0  # at least one whole complaint or customer more than expected
TOP = 12


@dataclass(frozen=True)
class PainPoint:
    kind: str  # "reason", "topic" or "drop-off"
    what: str  # the reason code, topic, or funnel step ("lead → paid")
    dimension: str
    value: str
    observed: int
    expected: float

    @property
    def excess(self) -> float:
        return self.observed - self.expected

    @property
    def lift(self) -> float | None:
        return self.observed / self.expected if self.expected else None


# (dimension, value, kind, key) -> count
ComplaintCounts = dict[tuple[str, str, str, str], int]


def complaints(counts: ComplaintCounts) -> list[PainPoint]:
    overall: dict[tuple[str, str], int] = defaultdict(int)  # (kind, key)
    kind_total: dict[str, int] = defaultdict(int)
    cell_total: dict[tuple[str, str, str], int] = defaultdict(int)  # (dim, value, kind)
    for (dim, value, kind, key), n in counts.items():
        if dim == "all":
            overall[(kind, key)] += n
            kind_total[kind] += n
        else:
            cell_total[(dim, value, kind)] += n
    found = []
    for (dim, value, kind, key), n in counts.items():
        if dim == "all" or n < MIN_OBSERVED or not kind_total[kind]:
            continue
        expected = cell_total[(dim, value, kind)] * overall[(kind, key)] / kind_total[kind]
        if n - expected >= MIN_EXCESS:
            found.append(PainPoint(kind, key, dim, value, n, expected))
    return found


def drop_off(overall: CohortCounts, cells: dict[tuple[str, str], CohortCounts]) -> list[PainPoint]:
    found = []
    for before, after in pairwise(FUNNEL):
        total_before = overall.count(before)
        if not total_before:
            continue
        loss = 1 - overall.count(after) / total_before
        for (dim, value), cell in cells.items():
            lost = cell.count(before) - cell.count(after)
            expected = cell.count(before) * loss
            if lost >= MIN_OBSERVED and lost - expected >= MIN_EXCESS:
                found.append(
                    PainPoint("drop-off", f"{before} → {after}", dim, value, lost, expected)
                )
    return found


def rank(points: list[PainPoint], top: int = TOP) -> list[PainPoint]:
    return sorted(points, key=lambda p: (-p.excess, p.dimension, p.value, p.what))[:top]
