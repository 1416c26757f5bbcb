"""Merge the SQLite subject search and the scorecard's complaint running totals into one head

Revision ID: 0014_merge
Revises: 0013_ticket_search, 0013_scorecard_complaints
"""

from collections.abc import Sequence

revision: str = "0014_merge"
down_revision: str | tuple[str, ...] | None = ("0013_ticket_search", "0013_scorecard_complaints")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
