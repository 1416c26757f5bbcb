"""themes, memberships and builds; improvements, their themes and notifications

Revision ID: 0009_themes
Revises: 0008_fairness
Create Date: 2026-11-25 00:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fairdesk.db.base

revision: str = "0009_themes"
down_revision: str | tuple[str, ...] | None = "0008_fairness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "theme_build",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("built_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(length=80), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("n_texts", sa.Integer(), nullable=False),
        sa.Column("n_themed", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("silhouette", sa.Double(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_build")),
    )
    op.create_table(
        "improvement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("planned_for", sa.Date(), nullable=True),
        sa.Column("shipped_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_improvement_created_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff_user.id"],
            name=op.f("fk_improvement_owner_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement")),
    )
    op.create_index("ix_improvement_status", "improvement", ["status", "shipped_at"], unique=False)

    op.create_table(
        "theme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_edited", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("top_terms", sa.JSON(), nullable=False),
        sa.Column("signature", sa.JSON(), nullable=False),
        sa.Column("quotes", sa.JSON(), nullable=False),
        sa.Column("computed_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("model_version", sa.String(length=80), nullable=True),
        sa.Column("edited_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["edited_by_id"],
            ["staff_user.id"],
            name=op.f("fk_theme_edited_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["theme.id"],
            name=op.f("fk_theme_merged_into_id_theme"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["theme.id"], name=op.f("fk_theme_parent_id_theme"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme")),
    )
    op.create_index("ix_theme_status", "theme", ["status", "size"], unique=False)

    op.create_table(
        "improvement_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_improvement_notification_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_improvement_notification_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_notification")),
        sa.UniqueConstraint(
            "improvement_id", "customer_id", name="uq_improvement_notification_customer"
        ),
    )
    op.create_table(
        "improvement_theme",
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvement.id"],
            name=op.f("fk_improvement_theme_improvement_id_improvement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["theme.id"],
            name=op.f("fk_improvement_theme_theme_id_theme"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("improvement_id", "theme_id", name=op.f("pk_improvement_theme")),
    )
    op.create_table(
        "theme_membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("source_kind", sa.String(length=16), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("written_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_theme_membership_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["theme.id"],
            name=op.f("fk_theme_membership_theme_id_theme"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_theme_membership_ticket_id_ticket"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_membership")),
        sa.UniqueConstraint("source_kind", "source_id", name="uq_theme_membership_source"),
    )
    op.create_index(
        "ix_theme_membership_customer", "theme_membership", ["customer_id"], unique=False
    )
    op.create_index(
        "ix_theme_membership_theme", "theme_membership", ["theme_id", "written_at"], unique=False
    )
    op.create_index("ix_theme_membership_ticket", "theme_membership", ["ticket_id"], unique=False)


def downgrade() -> None:
    op.drop_table("theme_membership")
    op.drop_table("improvement_theme")
    op.drop_table("improvement_notification")
    op.drop_table("theme")
    op.drop_table("improvement")
    op.drop_table("theme_build")
