"""Survey forms: which questions each kind of survey asks and the reason codes it offers.

One form per kind (after a solved ticket; relationship NPS). Defaults are created on first
use, so a new business sends sensible surveys without configuring anything; a manager edits
them on ``/surveys/forms`` or through the API, and every change is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.errors import ValidationFailed
from fairdesk.feedback.surveys.models import Question, SurveyForm, SurveyKind

SCORE_QUESTIONS = (Question.CSAT, Question.CES, Question.NPS)
MAX_TITLE = 200
MAX_REASON = 40
MAX_REASONS = 20
DEFAULT_REASONS = ["slow", "not solved", "rude", "policy", "had to repeat myself"]


@dataclass(frozen=True)
class QuestionSpec:
    """How a question is asked and its score range (the comment has none)."""

    label: str
    low: int
    high: int
    low_word: str
    high_word: str


QUESTIONS: dict[Question, QuestionSpec] = {
    Question.CSAT: QuestionSpec(
        "How satisfied are you with how we handled your case?",
        1,
        5,
        "very dissatisfied",
        "very satisfied",
    ),
    Question.CES: QuestionSpec(
        "How easy was it to get your problem solved?", 1, 7, "very difficult", "very easy"
    ),
    Question.NPS: QuestionSpec(
        "How likely are you to recommend us to a friend or colleague?",
        0,
        10,
        "not at all likely",
        "extremely likely",
    ),
    Question.COMMENT: QuestionSpec("Anything you would like to tell us?", 0, 0, "", ""),
}

DEFAULTS: dict[SurveyKind, tuple[str, list[str], list[str]]] = {
    SurveyKind.TICKET: (
        "How did we do?",
        [Question.CSAT, Question.CES, Question.COMMENT],
        DEFAULT_REASONS,
    ),
    SurveyKind.RELATIONSHIP: (
        "Would you recommend us?",
        [Question.NPS, Question.COMMENT],
        [],
    ),
}


def first_score_question(questions: Sequence[str]) -> Question | None:
    """The question the e-mail answers with one click: the first score question asked."""
    return next((Question(q) for q in questions if q in SCORE_QUESTIONS), None)


def get_form(session: Session, kind: SurveyKind) -> SurveyForm:
    """The form for ``kind``, created with the defaults on first use.

    Two requests creating it at once: the unique ``kind`` refuses the second insert inside a
    savepoint, and the second then reads the first's row.
    """
    form = session.scalar(select(SurveyForm).where(SurveyForm.kind == kind))
    if form is not None:
        return form
    title, questions, reasons = DEFAULTS[kind]
    try:
        with session.begin_nested():
            form = SurveyForm(
                kind=kind,
                title=title,
                questions=[str(q) for q in questions],
                reason_codes=list(reasons),
                active=True,
            )
            session.add(form)
    except IntegrityError:
        form = session.scalar(select(SurveyForm).where(SurveyForm.kind == kind))
        assert form is not None
    return form


def all_forms(session: Session) -> list[SurveyForm]:
    return [get_form(session, kind) for kind in SurveyKind]


def clean_questions(questions: Sequence[str]) -> list[str]:
    """Known questions, in the order given, each once, at least one of them a score."""
    cleaned: list[str] = []
    for q in questions:
        if q not in set(Question):
            raise ValidationFailed(f"unknown question {q!r}", field="questions")
        if q not in cleaned:
            cleaned.append(str(q))
    if first_score_question(cleaned) is None:
        raise ValidationFailed(
            "a survey needs at least one score question (csat, ces or nps)", field="questions"
        )
    return cleaned


def clean_reasons(reasons: Sequence[str]) -> list[str]:
    """Reason codes as the business wrote them, trimmed, each once, short enough to show."""
    cleaned: list[str] = []
    for raw in reasons:
        code = " ".join(raw.split())
        if not code:
            continue
        if len(code) > MAX_REASON:
            raise ValidationFailed(
                f"the reason {code[:20]!r}… is longer than {MAX_REASON} characters",
                field="reason_codes",
            )
        if code.lower() not in (c.lower() for c in cleaned):
            cleaned.append(code)
    if len(cleaned) > MAX_REASONS:
        raise ValidationFailed(f"at most {MAX_REASONS} reason codes", field="reason_codes")
    return cleaned


def update_form(
    session: Session,
    *,
    kind: SurveyKind,
    actor: StaffUser,
    title: str,
    questions: Sequence[str],
    reason_codes: Sequence[str],
    active: bool,
) -> SurveyForm:
    """Validate everything first, then change the form and audit it (all or nothing)."""
    clean_title = " ".join(title.split())
    if not clean_title:
        raise ValidationFailed("the title is empty", field="title")
    if len(clean_title) > MAX_TITLE:
        raise ValidationFailed(f"the title is longer than {MAX_TITLE} characters", field="title")
    new_questions = clean_questions(questions)
    new_reasons = clean_reasons(reason_codes)
    form = get_form(session, kind)
    before = {
        "title": form.title,
        "questions": list(form.questions),
        "reason_codes": list(form.reason_codes),
        "active": form.active,
    }
    form.title = clean_title
    form.questions = new_questions
    form.reason_codes = new_reasons
    form.active = active
    audit.record(
        session,
        actor=actor,
        action="survey.form.update",
        entity_type="survey_form",
        entity_id=form.id,
        details={
            "kind": str(kind),
            "before": before,
            "after": {
                "title": clean_title,
                "questions": new_questions,
                "reason_codes": new_reasons,
                "active": active,
            },
        },
    )
    session.flush()
    return form
