"""Merge the domain branches into one head

Revision ID: 0007_merge
Revises: 0003_clv, 0003_pages, 0003_sla, 0003_triage, 0004_segments, 0005_goodwill,
    0006_customer_search
Create Date: 2026-11-24 23:39:53.914082
"""

from collections.abc import Sequence

revision: str = "0007_merge"
down_revision: str | tuple[str, ...] | None = (
    "0003_clv",
    "0003_pages",
    "0003_sla",
    "0003_triage",
    "0004_segments",
    "0005_goodwill",
    "0006_customer_search",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
