"""Answering a survey through its link: open, validate, store (or update), opt out.

The order of checks is what the customer sees: a link that is not genuine or not for this
ticket is refused (403); a survey that was never sent is refused the same way; a closed survey
(past ``expires_at``) says so (410); an answer re-submitted after the edit window says it was
already recorded (409). Scores are validated completely before anything is written, so a bad
field changes nothing. A second answer within the window replaces the first: one invitation
has at most one answer row (a unique key), so it can never count twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.config import Settings, get_settings
from fairdesk.db.base import utcnow
from fairdesk.errors import Conflict, ValidationFailed
from fairdesk.feedback.surveys import followups, links
from fairdesk.feedback.surveys.forms import QUESTIONS, SCORE_QUESTIONS, first_score_question
from fairdesk.feedback.surveys.models import (
    InvitationStatus,
    Question,
    SurveyAnswer,
    SurveyForm,
    SurveyInvitation,
    SurveyOptOut,
)

MAX_COMMENT = 5000


class SurveyClosed(Conflict):
    """Already answered and the edit window has passed: the first answer stands."""

    code = "survey_closed"


@dataclass(frozen=True)
class AnswerData:
    """A validated submission: scores in range, reasons from the form, the comment as typed."""

    csat: int | None
    ces: int | None
    nps: int | None
    reasons: list[str]
    comment: str


def open_invitation(
    session: Session,
    token: str,
    *,
    scope: str,
    now: datetime | None = None,
    settings: Settings | None = None,
    any_age: bool = False,
) -> SurveyInvitation:
    """The invitation a link opens, or ``SurveyLinkInvalid`` / ``SurveyLinkExpired``.

    ``any_age`` accepts a genuine link however old (for opting out only).
    """
    now = now or utcnow()
    grant = links.read(token, scope=scope, now=now, settings=settings, any_age=any_age)
    invitation = session.get(SurveyInvitation, grant.invitation_id)
    if (
        invitation is None
        or invitation.nonce != grant.nonce
        or invitation.ticket_id != grant.ticket_id
        or invitation.status == InvitationStatus.SKIPPED
    ):
        raise links.SurveyLinkInvalid("this survey link is not valid")
    if not any_age and now >= invitation.expires_at:
        raise links.SurveyLinkExpired("this survey has closed")
    return invitation


def answer_of(session: Session, invitation_id: int) -> SurveyAnswer | None:
    return session.scalar(select(SurveyAnswer).where(SurveyAnswer.invitation_id == invitation_id))


def editable_until(answer: SurveyAnswer, settings: Settings) -> datetime:
    return answer.answered_at + timedelta(seconds=settings.survey_edit_window_s)


def _score(raw: object, question: Question) -> int | None:
    spec = QUESTIONS[question]
    name = question.value.upper()
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    try:
        value = int(text)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a whole number from {spec.low} to {spec.high}", field=question.value
        ) from None
    if not spec.low <= value <= spec.high:
        raise ValidationFailed(
            f"{name} must be from {spec.low} to {spec.high}, not {value}", field=question.value
        )
    return value


def validate(
    data: Mapping[str, object], *, questions: Sequence[str], reason_codes: Sequence[str]
) -> AnswerData:
    """Check a submission against the questions the invitation asked.

    The first score question is required (it is what the e-mail asked); the others and the
    comment are optional. Values for questions not asked are ignored.
    """
    asked = [Question(q) for q in questions]
    scores: dict[Question, int | None] = {q: None for q in SCORE_QUESTIONS}
    for q in asked:
        if q in SCORE_QUESTIONS:
            scores[q] = _score(data.get(q.value), q)
    first = first_score_question(questions)
    if first is not None and scores[first] is None:
        raise ValidationFailed(
            f"please choose a score for {first.value.upper()}: {QUESTIONS[first].label}",
            field=first.value,
        )
    raw_reasons = data.get("reasons")
    given: list[str] = []
    if isinstance(raw_reasons, str):
        given = [raw_reasons]
    elif isinstance(raw_reasons, list | tuple):
        given = [str(r) for r in raw_reasons]
    reasons: list[str] = []
    if Question.CSAT in asked:
        for reason in given:
            if reason not in reason_codes:
                raise ValidationFailed(f"unknown reason {reason[:40]!r}", field="reasons")
            if reason not in reasons:
                reasons.append(reason)
    comment = ""
    if Question.COMMENT in asked:
        raw_comment = data.get("comment")
        comment = raw_comment if isinstance(raw_comment, str) else ""
        if not comment.strip():
            comment = ""
        if len(comment) > MAX_COMMENT:
            raise ValidationFailed(
                f"the comment is longer than {MAX_COMMENT:,} characters", field="comment"
            )
    return AnswerData(
        csat=scores[Question.CSAT],
        ces=scores[Question.CES],
        nps=scores[Question.NPS],
        reasons=reasons,
        comment=comment,
    )


def submit(
    session: Session,
    *,
    invitation: SurveyInvitation,
    data: Mapping[str, object],
    now: datetime | None = None,
    settings: Settings | None = None,
) -> tuple[SurveyAnswer, bool]:
    """Store the answer (or update it within the window); returns (answer, updated).

    A low score opens a follow-up for a person; an updated answer that becomes low opens
    one too (at most one per answer).
    """
    now = now or utcnow()
    settings = settings or get_settings()
    existing = answer_of(session, invitation.id)
    if existing is not None and now > editable_until(existing, settings):
        raise SurveyClosed(
            f"you answered this survey on {existing.answered_at:%d %B %Y}; thank you, your "
            "answer is recorded and can no longer be changed",
            field="survey",
        )
    form = session.get(SurveyForm, invitation.form_id)
    reason_codes = list(form.reason_codes) if form is not None else []
    clean = validate(data, questions=invitation.questions, reason_codes=reason_codes)
    answer = existing or SurveyAnswer(
        invitation_id=invitation.id,
        customer_id=invitation.customer_id,
        ticket_id=invitation.ticket_id,
        answered_at=now,
    )
    answer.csat, answer.ces, answer.nps = clean.csat, clean.ces, clean.nps
    answer.reasons = clean.reasons
    answer.comment = clean.comment
    answer.updated_at = now
    if existing is None:
        session.add(answer)
    invitation.status = InvitationStatus.ANSWERED
    session.flush()
    followups.open_if_low(session, answer=answer, now=now, settings=settings)
    return answer, existing is not None


def opt_out(session: Session, *, invitation: SurveyInvitation, now: datetime | None = None) -> bool:
    """Record that this customer wants no more surveys; False if they already had."""
    if session.get(SurveyOptOut, invitation.customer_id) is not None:
        return False
    session.add(
        SurveyOptOut(
            customer_id=invitation.customer_id,
            opted_out_at=now or utcnow(),
            source="survey link",
        )
    )
    audit.record(
        session,
        actor=None,
        action="survey.opt_out",
        entity_type="customer",
        entity_id=invitation.customer_id,
        details={"invitation_id": invitation.id},
    )
    session.flush()
    return True
