"""goodwill policy versions, gesture ledger and discretion budgets

Revision ID: 0005_goodwill
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fairdesk.db.base

revision: str = "0005_goodwill"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(12, 2)
UTC = fairdesk.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "goodwill_policy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["staff_user.id"],
            name=op.f("fk_goodwill_policy_version_created_by_id_staff_user"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goodwill_policy_version")),
        sa.UniqueConstraint("number", name=op.f("uq_goodwill_policy_version_number")),
    )
    op.create_table(
        "goodwill_gesture",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("remedy", sa.String(length=40), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("segment", sa.String(length=40), nullable=True),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("charged_to_budget", sa.Boolean(), nullable=False),
        sa.Column("policy_version_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("decided_at", UTC, nullable=True),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_goodwill_gesture_amount_nonnegative")),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["ticket.id"],
            name=op.f("fk_goodwill_gesture_ticket_id_ticket"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customer.id"],
            name=op.f("fk_goodwill_gesture_customer_id_customer"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["customer_order.id"],
            name=op.f("fk_goodwill_gesture_order_id_customer_order"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["policy_version_id"], ["goodwill_policy_version.id"],
            name=op.f("fk_goodwill_gesture_policy_version_id_goodwill_policy_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["staff_user.id"],
            name=op.f("fk_goodwill_gesture_actor_id_staff_user"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["approver_id"], ["staff_user.id"],
            name=op.f("fk_goodwill_gesture_approver_id_staff_user"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_goodwill_gesture")),
        sa.UniqueConstraint("ticket_id", "request_key", name="uq_goodwill_gesture_ticket_key"),
    )
    op.create_index("ix_goodwill_gesture_customer", "goodwill_gesture",
                    ["customer_id", "created_at"])
    op.create_index("ix_goodwill_gesture_status", "goodwill_gesture", ["status", "created_at"])
    op.create_index("ix_goodwill_gesture_actor", "goodwill_gesture", ["actor_id", "created_at"])
    op.create_table(
        "goodwill_budget",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("spent", MONEY, nullable=False),
        sa.Column("gestures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_user.id"],
            name=op.f("fk_goodwill_budget_staff_id_staff_user"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("staff_id", "period", "starts_on", name=op.f("pk_goodwill_budget")),
    )


def downgrade() -> None:
    op.drop_table("goodwill_budget")
    op.drop_index("ix_goodwill_gesture_actor", table_name="goodwill_gesture")
    op.drop_index("ix_goodwill_gesture_status", table_name="goodwill_gesture")
    op.drop_index("ix_goodwill_gesture_customer", table_name="goodwill_gesture")
    op.drop_table("goodwill_gesture")
    op.drop_table("goodwill_policy_version")
