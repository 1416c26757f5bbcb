"""scorecard rollups: activity, scores, histograms, complaints, cohorts, builds

Revision ID: 0009_scorecard
Revises: 0008_fairness
Create Date: 2026-11-25 00:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fairdesk.db.base

revision: str = "0009_scorecard"
down_revision: str | tuple[str, ...] | None = "0008_fairness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVITY_INTS = (
    "tickets",
    "resolved",
    "contacts",
    "reopened",
    "repeat_contacts",
    "angry",
    "frt_n",
)


def _cell() -> list[sa.Column[object]]:
    return [
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=80), nullable=False),
    ]


def _ints(*names: str) -> list[sa.Column[object]]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def _floats(*names: str) -> list[sa.Column[object]]:
    return [sa.Column(name, sa.Float(), nullable=False) for name in names]


def upgrade() -> None:
    op.create_table(
        "scorecard_activity",
        *_cell(),
        *_ints(*ACTIVITY_INTS),
        *_floats("frt_sum"),
        *_ints("ttr_n"),
        *_floats("ttr_sum"),
        *_ints("wait_n"),
        *_floats("wait_sum"),
        *_ints("invitations", "answers", "gestures", "gestures_at_once"),
        sa.PrimaryKeyConstraint("week", "dimension", "value", name=op.f("pk_scorecard_activity")),
    )
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
    op.create_table(
        "scorecard_complaint",
        *_cell(),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("angry", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "week", "dimension", "value", "kind", "key", name=op.f("pk_scorecard_complaint")
        ),
    )
    for table in ("activity", "score", "histogram", "complaint"):
        op.create_index(
            f"ix_scorecard_{table}_dimension_week", f"scorecard_{table}", ["dimension", "week"]
        )
    op.create_table(
        "scorecard_cohort",
        *_cell(),
        *_ints("leads", "paid", "repeat", "lapsed", "churned", "valued"),
        *_floats("p_alive_sum", "clv_sum"),
        sa.PrimaryKeyConstraint("week", "dimension", "value", name=op.f("pk_scorecard_cohort")),
    )
    op.create_table(
        "scorecard_build",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("built_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scorecard_build")),
    )


def downgrade() -> None:
    for table in (
        "scorecard_build",
        "scorecard_cohort",
        "scorecard_complaint",
        "scorecard_histogram",
        "scorecard_score",
        "scorecard_activity",
    ):
        op.drop_table(table)
