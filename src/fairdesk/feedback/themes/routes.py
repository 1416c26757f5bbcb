"""REST endpoints for themes (under /api/v1): list, detail, build, rename, merge, split."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal, cast

from fastapi import APIRouter
from sqlalchemy.orm import Session

from fairdesk.auth.deps import ApiManager, ApiUser
from fairdesk.db.base import utcnow
from fairdesk.db.deps import DbSession
from fairdesk.feedback.themes import build as themes_build
from fairdesk.feedback.themes import service as theme_service
from fairdesk.feedback.themes import stats
from fairdesk.feedback.themes.schemas import (
    BuildIn,
    BuildOut,
    MergeIn,
    RenameIn,
    SplitIn,
    ThemeDetail,
    ThemeOut,
    breakdown_rows,
)

router = APIRouter(prefix="/themes", tags=["themes"])


def theme_detail(session: Session, theme_id: int) -> ThemeDetail:
    theme = theme_service.get_theme(session, theme_id)
    weekly = stats.weekly(session, [theme.id])
    last, before, change = weekly.trend(theme.id)
    split = stats.breakdown(session, [theme.id])[theme.id]
    base = ThemeOut.model_validate(theme).model_dump()
    return ThemeDetail(
        **base,
        weeks=weekly.starts,
        weekly=weekly.counts[theme.id],
        last_week=last,
        week_before=before,
        change_pct=change,
        by_segment=breakdown_rows(split["segment"]),
        by_persona=breakdown_rows(split["persona"]),
        children=[c.id for c in theme_service.children(session, theme.id)],
    )


@router.get("", response_model=list[ThemeOut])
def list_themes(session: DbSession, user: ApiUser, all: bool = False) -> list[ThemeOut]:
    """Active themes, largest first; ``?all=true`` adds merged, split and stale ones."""
    return [
        ThemeOut.model_validate(t) for t in theme_service.list_themes(session, include_inactive=all)
    ]


@router.post("/build", response_model=BuildOut)
def build_themes(body: BuildIn, session: DbSession, user: ApiManager) -> BuildOut:
    """Rebuild every theme from the comments and messages now stored (managers' edits kept)."""
    backend = cast(Literal["auto", "tfidf", "embeddings"], body.backend)
    report = themes_build.build(session, now=utcnow(), backend=backend)
    return BuildOut(**asdict(report))


@router.get("/{theme_id}", response_model=ThemeDetail)
def get_theme(theme_id: int, session: DbSession, user: ApiUser) -> ThemeDetail:
    return theme_detail(session, theme_id)


@router.post("/{theme_id}/rename", response_model=ThemeOut)
def rename(theme_id: int, body: RenameIn, session: DbSession, user: ApiManager) -> ThemeOut:
    return ThemeOut.model_validate(
        theme_service.rename(session, theme_id, name=body.name, actor=user)
    )


@router.post("/{theme_id}/merge", response_model=ThemeOut)
def merge(theme_id: int, body: MergeIn, session: DbSession, user: ApiManager) -> ThemeOut:
    """Merge this theme into ``into_id``; returns the theme it now lives in."""
    return ThemeOut.model_validate(
        theme_service.merge(session, theme_id, into_id=body.into_id, actor=user)
    )


@router.post("/{theme_id}/split", response_model=list[ThemeOut])
def split(theme_id: int, body: SplitIn, session: DbSession, user: ApiManager) -> list[ThemeOut]:
    """Re-cluster this theme's texts into children; returns them."""
    return [
        ThemeOut.model_validate(t)
        for t in theme_service.split(session, theme_id, parts=body.parts, actor=user)
    ]
