"""Scorecard distributions: running totals per cell replace the per-score and per-bucket rows

Revision ID: 0011_scorecard_fast
Revises: 0010_merge

``scorecard_score`` and ``scorecard_histogram`` (one row per week, cell and score or minute
bucket) become ``scorecard_distribution`` (one row per cell, metric and week with news,
holding the running totals). The rollups are derived data: run ``fairdesk scorecard
rebuild`` after upgrading (the nightly ``fairdesk analyze`` does).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_scorecard_fast"
down_revision: str | tuple[str, ...] | None = "0010_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _cell() -> list[sa.Column[object]]:
    return [
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
    ]


def upgrade() -> None:
    op.drop_table("scorecard_score")
    op.drop_table("scorecard_histogram")
    op.create_table(
        "scorecard_distribution",
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
        sa.Column("metric", sa.String(length=8), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dimension", "value", "metric", "week", name=op.f("pk_scorecard_distribution")
        ),
    )


def downgrade() -> None:
    op.drop_table("scorecard_distribution")
    op.create_table(
        "scorecard_score",
        *_cell(),
        sa.Column("question", sa.String(length=8), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "week", "dimension", "value", "question", "score", name=op.f("pk_scorecard_score")
        ),
    )
    op.create_table(
        "scorecard_histogram",
        *_cell(),
        sa.Column("metric", sa.String(length=8), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "week", "dimension", "value", "metric", "bucket", name=op.f("pk_scorecard_histogram")
        ),
    )
    for table in ("score", "histogram"):
        op.create_index(
            f"ix_scorecard_{table}_dimension_week", f"scorecard_{table}", ["dimension", "week"]
        )
