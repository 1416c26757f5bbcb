"""staff protection: agents flagged senior (the senior queue is managers plus these);
indexes for the inbox's urgency and sentiment sorts

Revision ID: 0009_protection
Revises: 0008_fairness
Create Date: 2026-11-25 01:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fairdesk.db.base

revision: str = "0009_protection"
down_revision: str | tuple[str, ...] | None = "0008_fairness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fairness_senior_staff",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["staff_user.id"],
            name=op.f("fk_fairness_senior_staff_added_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_user.id"],
            name=op.f("fk_fairness_senior_staff_staff_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", name=op.f("pk_fairness_senior_staff")),
    )
    op.create_index(
        "ix_ticket_triage_urgency_id", "ticket_triage", ["urgency", "ticket_id"], unique=False
    )
    op.create_index(
        "ix_ticket_triage_sentiment_id", "ticket_triage", ["sentiment", "ticket_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_triage_sentiment_id", table_name="ticket_triage")
    op.drop_index("ix_ticket_triage_urgency_id", table_name="ticket_triage")
    op.drop_table("fairness_senior_staff")
