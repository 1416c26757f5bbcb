"""Theme tables: the themes, which texts belong to each, and one row per build.

A theme keeps what the data says (``top_terms``, ``signature``, ``quotes``, ``size``) apart
from what a manager decided (a name typed by a person, a merge into another theme, a split
into children). A rebuild rewrites only the derived fields and the memberships, and routes
each new cluster through the manager's decisions, so renames, merges and splits survive it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, TimestampMixin, utcnow


class ThemeStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"  # a manager merged it into ``merged_into_id``; its texts go there
    SPLIT = "split"  # a manager split it; its texts go to its children
    STALE = "stale"  # the latest build found no such group; kept for its edits and links


class SourceKind(StrEnum):
    COMMENT = "comment"  # survey_answer.comment
    MESSAGE = "message"  # a customer's ticket message


class Theme(TimestampMixin, Base):
    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # A person named it: rebuilds keep the name instead of deriving one from the top terms.
    name_edited: Mapped[bool] = mapped_column(default=False)
    status: Mapped[ThemeStatus] = mapped_column(String(16), default=ThemeStatus.ACTIVE)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    size: Mapped[int] = mapped_column(default=0)
    top_terms: Mapped[list[str]] = mapped_column(default=list)
    # Top terms with their weights (L2-normalised): how a rebuild recognises the theme.
    signature: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # [{"text", "source_kind", "source_id"}]: real words, abusive spans already masked.
    quotes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime | None]
    model_version: Mapped[str | None] = mapped_column(String(80))
    edited_at: Mapped[datetime | None]
    edited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    __table_args__ = (Index("ix_theme_status", "status", "size"),)


class ThemeMembership(Base):
    """One text in one theme: where it came from, whose it is, and when it was written."""

    __tablename__ = "theme_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id", ondelete="CASCADE"))
    source_kind: Mapped[SourceKind] = mapped_column(String(16))
    source_id: Mapped[int]
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    written_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("source_kind", "source_id", name="uq_theme_membership_source"),
        Index("ix_theme_membership_theme", "theme_id", "written_at"),
        Index("ix_theme_membership_customer", "customer_id"),
        Index("ix_theme_membership_ticket", "ticket_id"),
    )


class ThemeBuild(Base):
    """One build: how many texts, how many themes, how k was chosen, with which backend."""

    __tablename__ = "theme_build"

    id: Mapped[int] = mapped_column(primary_key=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    model_version: Mapped[str] = mapped_column(String(80))
    backend: Mapped[str] = mapped_column(String(16))
    n_texts: Mapped[int]
    n_themed: Mapped[int]
    k: Mapped[int]
    silhouette: Mapped[float | None]
    note: Mapped[str] = mapped_column(Text, default="")
