"""Merge the session-3 branches (inbox speed-ups, scorecard running totals) into one head

Revision ID: 0012_merge
Revises: 0011_inbox_fast, 0011_scorecard_fast
"""

from collections.abc import Sequence

revision: str = "0012_merge"
down_revision: str | tuple[str, ...] | None = ("0011_inbox_fast", "0011_scorecard_fast")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
