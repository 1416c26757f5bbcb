"""triage: message_triage and ticket_triage

Revision ID: 0003_triage
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fairdesk.db.base

revision: str = "0003_triage"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_triage",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("anger", sa.Float(), nullable=False),
        sa.Column("anger_level", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.Float(), nullable=False),
        sa.Column("urgency_level", sa.String(length=16), nullable=False),
        sa.Column("urgency_reasons", sa.JSON(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("topic_confidence", sa.Float(), nullable=False),
        sa.Column("tone", sa.String(length=16), nullable=False),
        sa.Column("abusive", sa.Boolean(), nullable=False),
        sa.Column("threat", sa.Boolean(), nullable=False),
        sa.Column("abuse_kinds", sa.JSON(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(length=120), nullable=False),
        sa.Column("created_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["ticket_message.id"],
            name=op.f("fk_message_triage_message_id_ticket_message"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_message_triage_ticket_id_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_triage")),
    )
    with op.batch_alter_table("message_triage", schema=None) as batch_op:
        batch_op.create_index("ix_message_triage_ticket", ["ticket_id", "message_id"], unique=False)

    op.create_table(
        "ticket_triage",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("urgency", sa.Float(), nullable=False),
        sa.Column("urgency_level", sa.String(length=16), nullable=False),
        sa.Column("sentiment", sa.Float(), nullable=False),
        sa.Column("anger", sa.Float(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("abusive", sa.Boolean(), nullable=False),
        sa.Column("threat", sa.Boolean(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("updated_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_ticket_triage_ticket_id_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_ticket_triage")),
    )
    with op.batch_alter_table("ticket_triage", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_triage_abusive", ["abusive"], unique=False)
        batch_op.create_index("ix_ticket_triage_sentiment", ["sentiment"], unique=False)
        batch_op.create_index("ix_ticket_triage_urgency", ["urgency"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket_triage", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_triage_urgency")
        batch_op.drop_index("ix_ticket_triage_sentiment")
        batch_op.drop_index("ix_ticket_triage_abusive")
    op.drop_table("ticket_triage")
    with op.batch_alter_table("message_triage", schema=None) as batch_op:
        batch_op.drop_index("ix_message_triage_ticket")
    op.drop_table("message_triage")
