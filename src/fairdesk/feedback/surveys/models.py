"""Survey forms, invitations (one signed link each), answers, opt-outs and follow-up tasks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from fairdesk.db.base import Base, utcnow


class SurveyKind(StrEnum):
    TICKET = "ticket"  # sent when a ticket is solved
    RELATIONSHIP = "relationship"  # scheduled relationship NPS


class Question(StrEnum):
    CSAT = "csat"  # 1..5
    CES = "ces"  # 1..7, 7 = very easy
    NPS = "nps"  # 0..10
    COMMENT = "comment"


class InvitationStatus(StrEnum):
    QUEUED = "queued"  # e-mail in the outbox
    ANSWERED = "answered"
    SKIPPED = "skipped"  # fatigue rule or opt-out: never sent, reason kept


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class SurveyForm(Base):
    """Which questions a survey asks and the reason codes it offers; the business edits it."""

    __tablename__ = "survey_form"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SurveyKind] = mapped_column(String(16), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    questions: Mapped[list[str]] = mapped_column(default=list)  # Question values, in order
    reason_codes: Mapped[list[str]] = mapped_column(default=list)  # e.g. "slow", "not solved"
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SurveyInvitation(Base):
    """One survey offered to one customer (for one ticket, or none for relationship NPS).

    The link carries the invitation id and ``nonce`` signed and timed; the answer page checks
    the ticket in the URL against ``ticket_id``.
    """

    __tablename__ = "survey_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("survey_form.id", ondelete="CASCADE"))
    kind: Mapped[SurveyKind] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[InvitationStatus] = mapped_column(String(16), default=InvitationStatus.QUEUED)
    skip_reason: Mapped[str | None] = mapped_column(String(200))
    questions: Mapped[list[str]] = mapped_column(default=list)  # the form's questions when sent
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_survey_invitation_customer", "customer_id", "sent_at"),
        Index("ix_survey_invitation_ticket", "ticket_id"),
    )


class SurveyAnswer(Base):
    """The answer to one invitation; a second submission within the window updates it."""

    __tablename__ = "survey_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitation.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    csat: Mapped[int | None] = mapped_column(SmallInteger)
    ces: Mapped[int | None] = mapped_column(SmallInteger)
    nps: Mapped[int | None] = mapped_column(SmallInteger)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    comment: Mapped[str] = mapped_column(Text, default="")  # stored as typed; shown escaped
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("csat IS NULL OR csat BETWEEN 1 AND 5", name="csat_range"),
        CheckConstraint("ces IS NULL OR ces BETWEEN 1 AND 7", name="ces_range"),
        CheckConstraint("nps IS NULL OR nps BETWEEN 0 AND 10", name="nps_range"),
        Index("ix_survey_answer_answered_at", "answered_at"),
        Index("ix_survey_answer_customer", "customer_id"),
    )


class SurveyOptOut(Base):
    """A customer who asked for no more surveys; no invitation is ever sent to them."""

    __tablename__ = "survey_opt_out"

    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    opted_out_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(40), default="survey link")


class SurveyFollowUp(Base):
    """The closed loop: a low score opens a task for the ticket's owner with its own due time."""

    __tablename__ = "survey_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(
        ForeignKey("survey_answer.id", ondelete="CASCADE"), unique=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id", ondelete="SET NULL"))
    status: Mapped[FollowUpStatus] = mapped_column(String(16), default=FollowUpStatus.OPEN)
    due_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_survey_follow_up_owner", "owner_id", "status", "due_at"),)
