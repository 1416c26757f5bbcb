"""Merge the session-2 domain branches (staff protection, scorecard, themes) into one head

Revision ID: 0010_merge
Revises: 0009_protection, 0009_scorecard, 0009_themes
"""

from collections.abc import Sequence

revision: str = "0010_merge"
down_revision: str | tuple[str, ...] | None = ("0009_protection", "0009_scorecard", "0009_themes")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
