"""Scorecard complaints: running totals with a validity interval replace the weekly counts

Revision ID: 0013_scorecard_complaints
Revises: 0012_merge

``scorecard_complaint`` keeps, per cell, complaint kind and key, the totals up to each week
with news and the week they stay valid until, so a period's counts are two rows' difference.
The rollups are derived data: run ``fairdesk scorecard rebuild`` after upgrading (the
nightly ``fairdesk analyze`` does).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_scorecard_complaints"
down_revision: str | tuple[str, ...] | None = "0012_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _cell() -> list[sa.Column[object]]:
    return [
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
    ]


def _counts() -> list[sa.Column[object]]:
    return [
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("angry", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.drop_table("scorecard_complaint")
    op.create_table(
        "scorecard_complaint",
        *_cell(),
        sa.Column("valid_until", sa.Date(), nullable=False),
        *_counts(),
        sa.PrimaryKeyConstraint(
            "dimension", "value", "kind", "key", "week", name=op.f("pk_scorecard_complaint")
        ),
    )
    op.create_index("ix_scorecard_complaint_week", "scorecard_complaint", ["week"])
    op.create_index("ix_scorecard_complaint_valid_until", "scorecard_complaint", ["valid_until"])


def downgrade() -> None:
    op.drop_table("scorecard_complaint")
    op.create_table(
        "scorecard_complaint",
        *_cell(),
        *_counts(),
        sa.PrimaryKeyConstraint(
            "week", "dimension", "value", "kind", "key", name=op.f("pk_scorecard_complaint")
        ),
    )
    op.create_index(
        "ix_scorecard_complaint_dimension_week", "scorecard_complaint", ["dimension", "week"]
    )
