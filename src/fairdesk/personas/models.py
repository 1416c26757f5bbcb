"""Persona table: what the data says (``derived``) kept apart from what a person wrote (``edits``).

Recomputation only ever rewrites ``derived``; a manager's ``edits`` win field by field when
the card is shown, so they survive every ``fairdesk analyze``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, TimestampMixin


class PersonaStatus(StrEnum):
    READY = "ready"
    TOO_SMALL = "too_small"  # the segment has too few members to describe honestly
    STALE = "stale"  # the latest run no longer produced this persona; kept for its edits


class Persona(TimestampMixin, Base):
    __tablename__ = "persona"

    id: Mapped[int] = mapped_column(primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("segment.id", ondelete="CASCADE"))
    slot: Mapped[int] = mapped_column(default=0)  # 0, 1, … when a segment splits in groups
    status: Mapped[PersonaStatus] = mapped_column(String(16), default=PersonaStatus.READY)
    note: Mapped[str] = mapped_column(Text, default="")
    member_count: Mapped[int] = mapped_column(default=0)
    derived: Mapped[dict[str, Any]] = mapped_column(default=dict)
    edits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    computed_at: Mapped[datetime | None]
    model_version: Mapped[str | None] = mapped_column(String(80))
    edited_at: Mapped[datetime | None]
    edited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )

    __table_args__ = (UniqueConstraint("segment_id", "slot", name="uq_persona_segment_slot"),)
