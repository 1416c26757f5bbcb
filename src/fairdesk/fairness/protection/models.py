"""Who is in the senior queue besides the managers: agents a manager flagged senior."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, utcnow

SENIOR_QUEUE = "senior"


class SeniorStaff(Base):
    """An agent flagged senior: they share the senior queue with the managers.

    The senior queue answers the customers a manager routed there (``CustomerRouting``);
    being senior never takes an agent out of the ordinary rotation.
    """

    __tablename__ = "fairness_senior_staff"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(Text, default="")
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
