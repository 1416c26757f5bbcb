"""Theme rules: look themes up, and let managers rename, merge and split them (audited).

Imported as ``theme_service``. Edits change the theme rows so that the next build follows
them (see ``build.py``): a rename sets ``name_edited``; a merge marks the source ``merged``
and moves its texts and improvement links to the target; a split re-clusters a theme's own
texts into two or more children and marks it ``split``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.feedback.improvements.models import ImprovementTheme
from fairdesk.feedback.themes.corpus import Quoter, Text, bodies
from fairdesk.feedback.themes.estimator import (
    MODEL_VERSION,
    UNTHEMED,
    ThemeInputError,
    ThemeModel,
    theme_name,
)
from fairdesk.feedback.themes.models import (
    SourceKind,
    Theme,
    ThemeBuild,
    ThemeMembership,
    ThemeStatus,
)

MAX_NAME = 120
MAX_PARTS = 8


def list_themes(session: Session, *, include_inactive: bool = False) -> Sequence[Theme]:
    stmt = select(Theme).order_by(Theme.size.desc(), Theme.id)
    if not include_inactive:
        stmt = stmt.where(Theme.status == ThemeStatus.ACTIVE)
    return session.scalars(stmt).all()


def get_theme(session: Session, theme_id: int, *, field: str = "theme_id") -> Theme:
    theme = session.get(Theme, theme_id)
    if theme is None:
        raise NotFound(f"no theme with id {theme_id}", field=field)
    return theme


def latest_build(session: Session) -> ThemeBuild | None:
    return session.scalar(select(ThemeBuild).order_by(ThemeBuild.id.desc()).limit(1))


def children(session: Session, theme_id: int) -> Sequence[Theme]:
    return session.scalars(
        select(Theme).where(Theme.parent_id == theme_id).order_by(Theme.size.desc(), Theme.id)
    ).all()


def _active(theme: Theme, verb: str, field: str) -> None:
    if theme.status != ThemeStatus.ACTIVE:
        raise ValidationFailed(
            f"theme {theme.id} is {theme.status}; only an active theme can be {verb}", field=field
        )


def rename(session: Session, theme_id: int, *, name: str, actor: StaffUser | None) -> Theme:
    """A person's name for the theme; every later build keeps it."""
    theme = get_theme(session, theme_id)
    clean = " ".join(name.split())
    if not clean:
        raise ValidationFailed("the name must not be empty", field="name")
    if len(clean) > MAX_NAME:
        raise ValidationFailed(f"the name has at most {MAX_NAME} characters", field="name")
    old = theme.name
    theme.name, theme.name_edited = clean, True
    theme.edited_at, theme.edited_by_id = utcnow(), actor.id if actor else None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="theme.rename",
        entity_type="theme",
        entity_id=theme.id,
        details={"from": old, "to": clean},
    )
    return theme


def merge(session: Session, theme_id: int, *, into_id: int, actor: StaffUser | None) -> Theme:
    """Fold one theme into another: its texts and improvement links move; builds follow."""
    if theme_id == into_id:
        raise ValidationFailed("a theme cannot be merged into itself", field="into_id")
    source = get_theme(session, theme_id)
    target = get_theme(session, into_id, field="into_id")
    _active(source, "merged", "theme_id")
    _active(target, "merged into", "into_id")
    moved = (
        session.scalar(
            select(func.count())
            .select_from(ThemeMembership)
            .where(ThemeMembership.theme_id == source.id)
        )
        or 0
    )
    session.execute(
        update(ThemeMembership)
        .where(ThemeMembership.theme_id == source.id)
        .values(theme_id=target.id)
    )
    links = set(
        session.scalars(
            select(ImprovementTheme.improvement_id).where(ImprovementTheme.theme_id == target.id)
        )
    )
    for link in session.scalars(
        select(ImprovementTheme).where(ImprovementTheme.theme_id == source.id)
    ).all():
        if link.improvement_id not in links:
            session.add(ImprovementTheme(improvement_id=link.improvement_id, theme_id=target.id))
    target.size += source.size
    target.quotes = (target.quotes + source.quotes)[:3] if len(target.quotes) < 3 else target.quotes
    source.status, source.merged_into_id, source.size = ThemeStatus.MERGED, target.id, 0
    now = utcnow()
    for theme in (source, target):
        theme.edited_at, theme.edited_by_id = now, actor.id if actor else None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="theme.merge",
        entity_type="theme",
        entity_id=source.id,
        details={
            "into": target.id,
            "texts": moved,
            "from_name": source.name,
            "into_name": target.name,
        },
    )
    return target


def split(
    session: Session, theme_id: int, *, parts: int | None, actor: StaffUser | None
) -> list[Theme]:
    """Re-cluster a theme's own texts into ``parts`` children (None: chosen by the data)."""
    theme = get_theme(session, theme_id)
    _active(theme, "split", "theme_id")
    if parts is not None and not 2 <= parts <= MAX_PARTS:
        raise ValidationFailed(f"parts must be between 2 and {MAX_PARTS}", field="parts")
    members = session.scalars(
        select(ThemeMembership)
        .where(ThemeMembership.theme_id == theme.id)
        .order_by(ThemeMembership.id)
    ).all()
    if len(members) < 2:
        raise ValidationFailed(
            f"theme {theme.id} has {len(members)} text(s); splitting needs at least 2",
            field="theme_id",
        )
    found = bodies(session, [(m.source_kind, m.source_id) for m in members])
    texts = [
        Text(
            SourceKind(m.source_kind),
            m.source_id,
            m.customer_id,
            m.ticket_id,
            m.written_at,
            found.get((m.source_kind, m.source_id), ""),
        )
        for m in members
    ]
    limit = parts or min(MAX_PARTS, max(2, len(members) // 2))
    try:
        model = ThemeModel(
            k=parts, k_range=(2, limit), min_texts=2, min_theme_size=1, backend="tfidf"
        ).fit([t.body for t in texts])
    except ThemeInputError as exc:
        raise ValidationFailed(
            f"theme {theme.id} cannot be split: {exc.message}", field="theme_id"
        ) from exc
    if model.n_themes_ < 2:
        raise ValidationFailed(
            f"the texts of theme {theme.id} do not fall into two groups", field="parts"
        )
    labels = np.where(model.labels_ == UNTHEMED, 0, model.labels_)
    quoter = Quoter()
    now = utcnow()
    made: list[Theme] = []
    for index in range(model.n_themes_):
        rows = np.flatnonzero(labels == index)
        order = rows[np.argsort(-model.closeness_[rows], kind="stable")]
        child = Theme(
            name=theme_name(model.top_terms_[index]),
            status=ThemeStatus.ACTIVE,
            parent_id=theme.id,
            size=int(rows.size),
            top_terms=model.top_terms_[index],
            signature=model.signatures_[index],
            quotes=quoter.pick([(texts[i], texts[i].body) for i in order[:40]]),
            computed_at=now,
            model_version=MODEL_VERSION,
            edited_at=now,
            edited_by_id=actor.id if actor else None,
        )
        session.add(child)
        session.flush()
        for i in rows.tolist():
            members[i].theme_id = child.id
        made.append(child)
    theme.status, theme.edited_at = ThemeStatus.SPLIT, now
    theme.edited_by_id = actor.id if actor else None
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="theme.split",
        entity_type="theme",
        entity_id=theme.id,
        details={"children": [c.id for c in made], "sizes": [c.size for c in made]},
    )
    return made


def family(session: Session, theme_ids: Sequence[int]) -> set[int]:
    """The themes and every descendant of a split: where their texts now live."""
    out = set(theme_ids)
    frontier = set(theme_ids)
    while frontier:
        frontier = set(session.scalars(select(Theme.id).where(Theme.parent_id.in_(frontier)))) - out
        out |= frontier
    return out
