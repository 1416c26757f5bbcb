"""Rebuild the themes from everything customers wrote, keeping every manager decision.

A build fits a fresh ``ThemeModel``, then recognises each new cluster as an existing theme by
its top-term signature (one-to-one, Hungarian assignment, cosine at least ``MATCH_MIN``). The
recognised theme's decisions are then followed: a renamed theme keeps its name, a theme merged
into another sends its texts there, a split theme keeps each text in the child the split put
it in and sends a new text to the child whose signature it is closest to. Clusters nobody has
seen become new themes. Only derived fields (size, terms, quotes, signature) and memberships
are rewritten; a theme no build finds any more is kept as ``stale`` when a person named it
or an improvement links it, else dropped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from scipy.optimize import linear_sum_assignment
from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from fairdesk.feedback.improvements.models import ImprovementTheme
from fairdesk.feedback.themes.corpus import Quoter, Text, collect
from fairdesk.feedback.themes.estimator import (
    MODEL_VERSION,
    UNTHEMED,
    Backend,
    ThemeInputError,
    ThemeModel,
    describe,
    signature_cosine,
    theme_name,
)
from fairdesk.feedback.themes.models import Theme, ThemeBuild, ThemeMembership, ThemeStatus

Say = Callable[[str], None]
MATCH_MIN = 0.3  # below this cosine a cluster is a new theme, not an old one recognised
QUOTE_CANDIDATES = 40


@dataclass(frozen=True)
class BuildReport:
    build_id: int
    n_texts: int
    n_themed: int
    k: int
    themes: int  # active themes after routing (merges and splits applied)
    new: int
    silhouette: float | None
    backend: str


class Router:
    """Follows merges and splits from a recognised theme down to the theme a text lands in."""

    def __init__(
        self, themes: list[Theme], model: ThemeModel, tfidf: Any, previous: npt.NDArray[np.int64]
    ) -> None:
        self.by_id = {t.id: t for t in themes}
        self.children: dict[int, list[Theme]] = defaultdict(list)
        for t in themes:
            if t.parent_id is not None:
                self.children[t.parent_id].append(t)
        self.model = model
        self.tfidf = tfidf
        self.previous = previous  # per row: the theme the text was in before, or 0

    def _descendants(self, theme: Theme) -> set[int]:
        out, frontier = {theme.id}, [theme]
        while frontier:
            kids = [c for t in frontier for c in self.children.get(t.id, [])]
            frontier = [c for c in kids if c.id not in out]
            out |= {c.id for c in frontier}
        return out

    def route(self, theme: Theme, rows: np.ndarray) -> dict[int, np.ndarray]:
        """Rows per landing theme id (a chain of merges ends at its last target)."""
        seen: set[int] = set()
        while (
            theme.status == ThemeStatus.MERGED
            and theme.merged_into_id in self.by_id
            and theme.id not in seen
        ):
            seen.add(theme.id)
            theme = self.by_id[theme.merged_into_id]
        kids = [
            c for c in self.children.get(theme.id, []) if c.status != ThemeStatus.STALE
        ] or self.children.get(theme.id, [])
        if theme.status != ThemeStatus.SPLIT or not kids:
            return {theme.id: rows}
        # A text the split already placed stays where it was put; a new one goes to the
        # child whose signature it is closest to.
        scores = self.model.signature_scores(self.tfidf[rows], [c.signature for c in kids])
        pick = scores.argmax(axis=1)
        before = self.previous[rows]
        for j, child in enumerate(kids):
            pick[np.isin(before, list(self._descendants(child)))] = j
        out: dict[int, np.ndarray] = {}
        for j, child in enumerate(kids):
            for landing, part in self.route(child, rows[pick == j]).items():
                out[landing] = np.concatenate([out.get(landing, rows[:0]), part])
        return out


def build(
    session: Session,
    *,
    now: datetime,
    backend: Backend = "auto",
    model: ThemeModel | None = None,
    say: Say = lambda _m: None,
) -> BuildReport:
    """Group every comment and customer message into themes; raises when there is no text."""
    say("themes: reading comments and messages")
    texts = collect(session)
    say(f"themes: grouping {len(texts):,} texts")
    model = model or ThemeModel(backend=backend)
    tfidf = model.fit_transform([t.body for t in texts])
    say("themes: recognising earlier themes")
    themes = list(session.scalars(select(Theme).order_by(Theme.id)))
    router = Router(themes, model, tfidf, _previous(session, texts))
    matched = _match(model, [t for t in themes if t.parent_id is None])
    landing: dict[int, list[np.ndarray]] = defaultdict(list)
    created = 0
    for cluster in range(model.n_themes_):
        rows = np.flatnonzero(model.labels_ == cluster)
        theme = matched.get(cluster)
        if theme is None:
            theme = Theme(name=theme_name(model.top_terms_[cluster]), status=ThemeStatus.ACTIVE)
            session.add(theme)
            session.flush()
            router.by_id[theme.id] = theme
            created += 1
        if theme.status in (ThemeStatus.ACTIVE, ThemeStatus.STALE, ThemeStatus.SPLIT):
            theme.signature = model.signatures_[cluster]  # stays recognisable next time
        if theme.status == ThemeStatus.STALE:
            theme.status = ThemeStatus.ACTIVE
        for theme_id, part in router.route(theme, rows).items():
            landing[theme_id].append(part)
    say("themes: writing memberships")
    leaves = _refresh(session, router, model, tfidf, texts, landing, now)
    _write_memberships(session, texts, leaves)
    _retire(session, themes, set(leaves))
    run = ThemeBuild(
        built_at=now,
        model_version=MODEL_VERSION,
        backend=model.backend_,
        n_texts=len(texts),
        n_themed=int((model.labels_ != UNTHEMED).sum()),
        k=model.k_,
        silhouette=model.silhouette_,
        note="" if created == 0 else f"{created} new theme(s)",
    )
    session.add(run)
    session.flush()
    return BuildReport(
        run.id, run.n_texts, run.n_themed, run.k, len(leaves), created, run.silhouette, run.backend
    )


def _previous(session: Session, texts: list[Text]) -> npt.NDArray[np.int64]:
    """Per text, the theme its membership named before this build (0 for a new text)."""
    before = {
        (str(kind), source): theme
        for kind, source, theme in session.execute(
            select(ThemeMembership.source_kind, ThemeMembership.source_id, ThemeMembership.theme_id)
        )
    }
    return np.asarray([before.get((str(t.kind), t.id), 0) for t in texts], dtype=np.int64)


def _match(model: ThemeModel, candidates: list[Theme]) -> dict[int, Theme]:
    """Cluster index -> the earlier top-level theme it is, one-to-one, by signature cosine."""
    if not candidates or model.n_themes_ == 0:
        return {}
    sim = np.array(
        [[signature_cosine(sig, t.signature) for t in candidates] for sig in model.signatures_]
    )
    rows, cols = linear_sum_assignment(-sim)
    return {
        int(r): candidates[int(c)]
        for r, c in zip(rows, cols, strict=True)
        if sim[r, c] >= MATCH_MIN
    }


def _refresh(
    session: Session,
    router: Router,
    model: ThemeModel,
    tfidf: Any,
    texts: list[Text],
    landing: dict[int, list[np.ndarray]],
    now: datetime,
) -> dict[int, np.ndarray]:
    """Derived fields of every theme that received texts; its rows by theme id."""
    leaves = {tid: np.sort(np.concatenate(parts)) for tid, parts in landing.items()}
    order = sorted(leaves)
    labels = np.full(len(texts), UNTHEMED, dtype=np.int64)
    for index, tid in enumerate(order):
        labels[leaves[tid]] = index
    terms, signatures = describe(tfidf, labels, model.terms_, len(order), model.n_terms)
    quoter = Quoter()
    for index, tid in enumerate(order):
        theme = router.by_id[tid]
        rows = leaves[tid]
        theme.status = ThemeStatus.ACTIVE
        theme.size = int(rows.size)
        theme.top_terms = terms[index]
        if theme.parent_id is not None or not theme.signature:
            theme.signature = signatures[index]
        if not theme.name_edited:
            theme.name = theme_name(terms[index])
        best = rows[np.argsort(-model.closeness_[rows], kind="stable")][:QUOTE_CANDIDATES]
        theme.quotes = quoter.pick([(texts[i], texts[i].body) for i in best])
        theme.computed_at, theme.model_version = now, MODEL_VERSION
    session.flush()
    return leaves


def _retire(session: Session, themes: list[Theme], kept: set[int]) -> None:
    """Themes that received nothing: stale when someone relies on them, else deleted."""
    linked = set(session.scalars(select(ImprovementTheme.theme_id)))
    referenced = {t.merged_into_id for t in themes} | {t.parent_id for t in themes}
    for theme in themes:
        if theme.id in kept or theme.status in (ThemeStatus.MERGED, ThemeStatus.SPLIT):
            continue
        if (
            theme.name_edited
            or theme.id in linked
            or theme.id in referenced
            or theme.parent_id is not None
        ):
            theme.status, theme.size, theme.quotes = ThemeStatus.STALE, 0, []
        else:
            session.delete(theme)
    session.flush()


def _write_memberships(session: Session, texts: list[Text], leaves: dict[int, np.ndarray]) -> None:
    session.execute(delete(ThemeMembership))
    rows = [
        {
            "theme_id": tid,
            "source_kind": str(texts[i].kind),
            "source_id": texts[i].id,
            "customer_id": texts[i].customer_id,
            "ticket_id": texts[i].ticket_id,
            "written_at": texts[i].at,
        }
        for tid, members in leaves.items()
        for i in members.tolist()
    ]
    table = cast(Table, ThemeMembership.__table__)
    for start in range(0, len(rows), 10_000):  # Core executemany: no ORM bookkeeping per row
        session.execute(table.insert(), rows[start : start + 10_000])
    session.flush()


def step(session: Session, now: datetime, say: Say) -> str:
    """The ``fairdesk analyze`` step; a desk with no text yet is told so, not failed."""
    try:
        report = build(session, now=now, say=say)
    except ThemeInputError as exc:
        return f"no themes yet: {exc.message}"
    return (
        f"{report.n_themed:,} of {report.n_texts:,} texts in {report.themes} themes "
        f"({report.new} new)"
    )
