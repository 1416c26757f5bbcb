"""segments, memberships, customer scores, runs, snapshots and personas

Revision ID: 0004_segments
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fairdesk.db.base

revision: str = "0004_segments"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "segment_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("model_version", sa.String(length=80), nullable=False),
        sa.Column("n_customers", sa.Integer(), nullable=False),
        sa.Column("n_buyers", sa.Integer(), nullable=False),
        sa.Column("clustered", sa.Boolean(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=True),
        sa.Column("criterion", sa.Text(), nullable=False),
        sa.Column("silhouette", sa.Double(), nullable=True),
        sa.Column("silhouette_by_k", sa.JSON(), nullable=False),
        sa.Column("unknown_counts", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_run")),
    )
    op.create_table(
        "customer_score",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("spend", sa.Double(), nullable=False),
        sa.Column("recency_days", sa.Double(), nullable=True),
        sa.Column("r_score", sa.Integer(), nullable=False),
        sa.Column("f_score", sa.Integer(), nullable=False),
        sa.Column("m_score", sa.Integer(), nullable=False),
        sa.Column("rfm_segment", sa.String(length=40), nullable=False),
        sa.Column("cluster_segment_id", sa.Integer(), nullable=True),
        sa.Column("fit_score", sa.Double(), nullable=True),
        sa.Column("fit_segment_id", sa.Integer(), nullable=True),
        sa.Column("persona_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_customer_score_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_score")),
    )
    with op.batch_alter_table("customer_score", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_customer_score_fit_score"), ["fit_score"], unique=False
        )

    op.create_table(
        "segment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("name_edited", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=True),
        sa.Column("is_target", sa.Boolean(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("computed_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("model_version", sa.String(length=80), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_segment_created_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment")),
        sa.UniqueConstraint("key", name=op.f("uq_segment_key")),
    )
    with op.batch_alter_table("segment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_segment_is_target"), ["is_target"], unique=False)
        batch_op.create_index(batch_op.f("ix_segment_kind"), ["kind"], unique=False)

    op.create_table(
        "persona",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("derived", sa.JSON(), nullable=False),
        sa.Column("edits", sa.JSON(), nullable=False),
        sa.Column("computed_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("model_version", sa.String(length=80), nullable=True),
        sa.Column("edited_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("edited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["edited_by_id"],
            ["staff_user.id"],
            name=op.f("fk_persona_edited_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segment.id"],
            name=op.f("fk_persona_segment_id_segment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persona")),
        sa.UniqueConstraint("segment_id", "slot", name="uq_persona_segment_slot"),
    )
    op.create_table(
        "segment_snapshot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("segment_id", sa.Integer(), nullable=False),
        sa.Column("computed_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Double(), nullable=False),
        sa.Column("clv", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["segment_id"],
            ["segment.id"],
            name=op.f("fk_segment_snapshot_segment_id_segment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_snapshot")),
    )
    with op.batch_alter_table("segment_snapshot", schema=None) as batch_op:
        batch_op.create_index(
            "ix_segment_snapshot_segment_time", ["segment_id", "computed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("segment_snapshot", schema=None) as batch_op:
        batch_op.drop_index("ix_segment_snapshot_segment_time")

    op.drop_table("segment_snapshot")
    op.drop_table("persona")
    with op.batch_alter_table("segment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_segment_kind"))
        batch_op.drop_index(batch_op.f("ix_segment_is_target"))

    op.drop_table("segment")
    with op.batch_alter_table("customer_score", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_score_fit_score"))

    op.drop_table("customer_score")
    op.drop_table("segment_run")
