"""fairness (signals, cases, decisions, appeals, restrictions, ratings, routing) and surveys

Revision ID: 0008_fairness
Revises: 0007_merge
Create Date: 2026-11-25 00:29:18.474271
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import fairdesk.db.base

revision: str = "0008_fairness"
down_revision: str | tuple[str, ...] | None = "0007_merge"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("reason_codes", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_form")),
        sa.UniqueConstraint("kind", name=op.f("uq_survey_form_kind")),
    )
    op.create_table(
        "fairness_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("signal_kinds", sa.JSON(), nullable=False),
        sa.Column("evidence_key", sa.String(length=64), nullable=False),
        sa.Column("dossier", sa.JSON(), nullable=False),
        sa.Column("opened_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_fairness_case_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairness_case")),
    )
    op.create_index(
        "ix_fairness_case_status", "fairness_case", ["status", "opened_at"], unique=False
    )
    op.create_index(
        "uq_fairness_case_one_open",
        "fairness_case",
        ["customer_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        sqlite_where=sa.text("status = 'open'"),
    )

    op.create_table(
        "fairness_customer_routing",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_fairness_customer_routing_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["staff_user.id"],
            name=op.f("fk_fairness_customer_routing_set_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_fairness_customer_routing")),
    )
    op.create_table(
        "fairness_signal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("strength", sa.Float(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("evidence_key", sa.String(length=64), nullable=False),
        sa.Column("reviewed_key", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("computed_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_fairness_signal_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairness_signal")),
        sa.UniqueConstraint("customer_id", "kind", name="uq_fairness_signal_customer_kind"),
    )
    op.create_index("ix_fairness_signal_kind", "fairness_signal", ["kind"], unique=False)

    op.create_table(
        "survey_opt_out",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("opted_out_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_survey_opt_out_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_survey_opt_out")),
    )
    op.create_table(
        "fairness_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("restriction", sa.String(length=40), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("retention", sa.String(length=16), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["fairness_case.id"],
            name=op.f("fk_fairness_decision_case_id_fairness_case"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_fairness_decision_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["staff_user.id"],
            name=op.f("fk_fairness_decision_decided_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairness_decision")),
        sa.UniqueConstraint("case_id", name=op.f("uq_fairness_decision_case_id")),
    )
    op.create_table(
        "fairness_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("submitted_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("reviewed_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_fairness_appeal_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["fairness_decision.id"],
            name=op.f("fk_fairness_appeal_decision_id_fairness_decision"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["staff_user.id"],
            name=op.f("fk_fairness_appeal_reviewer_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairness_appeal")),
    )
    op.create_index(
        "ix_fairness_appeal_status", "fairness_appeal", ["status", "submitted_at"], unique=False
    )

    op.create_table(
        "fairness_interaction_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rating BETWEEN 1 AND 5", name=op.f("ck_fairness_interaction_rating_rating_range")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_fairness_interaction_rating_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_user.id"],
            name=op.f("fk_fairness_interaction_rating_staff_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_fairness_interaction_rating_ticket_id_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairness_interaction_rating")),
        sa.UniqueConstraint("ticket_id", "staff_id", name="uq_fairness_interaction_rating_ticket"),
    )
    op.create_index(
        "ix_fairness_interaction_rating_customer",
        "fairness_interaction_rating",
        ["customer_id"],
        unique=False,
    )

    op.create_table(
        "fairness_restriction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("starts_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_fairness_restriction_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["fairness_decision.id"],
            name=op.f("fk_fairness_restriction_decision_id_fairness_decision"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fairness_restriction")),
    )
    op.create_index(
        "ix_fairness_restriction_customer",
        "fairness_restriction",
        ["customer_id", "active"],
        unique=False,
    )

    op.create_table(
        "survey_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("skip_reason", sa.String(length=200), nullable=True),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("sent_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_survey_invitation_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["form_id"],
            ["survey_form.id"],
            name=op.f("fk_survey_invitation_form_id_survey_form"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_survey_invitation_ticket_id_ticket"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_invitation")),
        sa.UniqueConstraint("nonce", name=op.f("uq_survey_invitation_nonce")),
    )
    op.create_index(
        "ix_survey_invitation_customer",
        "survey_invitation",
        ["customer_id", "sent_at"],
        unique=False,
    )
    op.create_index("ix_survey_invitation_ticket", "survey_invitation", ["ticket_id"], unique=False)

    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("csat", sa.SmallInteger(), nullable=True),
        sa.Column("ces", sa.SmallInteger(), nullable=True),
        sa.Column("nps", sa.SmallInteger(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("answered_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ces IS NULL OR ces BETWEEN 1 AND 7", name=op.f("ck_survey_answer_ces_range")
        ),
        sa.CheckConstraint(
            "csat IS NULL OR csat BETWEEN 1 AND 5", name=op.f("ck_survey_answer_csat_range")
        ),
        sa.CheckConstraint(
            "nps IS NULL OR nps BETWEEN 0 AND 10", name=op.f("ck_survey_answer_nps_range")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_survey_answer_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["survey_invitation.id"],
            name=op.f("fk_survey_answer_invitation_id_survey_invitation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_survey_answer_ticket_id_ticket"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_survey_answer_invitation_id")),
    )
    op.create_index("ix_survey_answer_answered_at", "survey_answer", ["answered_at"], unique=False)
    op.create_index("ix_survey_answer_customer", "survey_answer", ["customer_id"], unique=False)

    op.create_table(
        "survey_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("due_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", fairdesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["survey_answer.id"],
            name=op.f("fk_survey_follow_up_answer_id_survey_answer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customer.id"],
            name=op.f("fk_survey_follow_up_customer_id_customer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["staff_user.id"],
            name=op.f("fk_survey_follow_up_owner_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["ticket.id"],
            name=op.f("fk_survey_follow_up_ticket_id_ticket"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_follow_up")),
        sa.UniqueConstraint("answer_id", name=op.f("uq_survey_follow_up_answer_id")),
    )
    op.create_index(
        "ix_survey_follow_up_owner",
        "survey_follow_up",
        ["owner_id", "status", "due_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("survey_follow_up")
    op.drop_table("survey_answer")
    op.drop_table("survey_invitation")
    op.drop_table("fairness_restriction")
    op.drop_table("fairness_interaction_rating")
    op.drop_table("fairness_appeal")
    op.drop_table("fairness_decision")
    op.drop_table("survey_opt_out")
    op.drop_table("fairness_signal")
    op.drop_table("fairness_customer_routing")
    op.drop_table("fairness_case")
    op.drop_table("survey_form")
