"""Building themes over the database: memberships, quotes, and manager edits that survive."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.feedback.surveys.models import SurveyAnswer
from fairdesk.feedback.themes import build as themes_build
from fairdesk.feedback.themes import service as theme_service
from fairdesk.feedback.themes import stats
from fairdesk.feedback.themes.estimator import ThemeInputError
from fairdesk.feedback.themes.models import Theme, ThemeMembership, ThemeStatus
from fairdesk.tickets.models import Message
from tests.factories import make_customer
from tests.feedback.helpers import T0, add_comment, add_message
from tests.feedback.themes.synthetic import PLANTED, planted_corpus

NOW = T0 + timedelta(days=120)


def seed_feedback(session: Session, n: int = 240, seed: int = 7) -> list[int]:
    """Half survey comments, half opening ticket messages, spread over twelve weeks."""
    texts, truth = planted_corpus(n, seed=seed)
    customers = [make_customer(session) for _ in range(30)]
    for i, text in enumerate(texts):
        at = T0 + timedelta(hours=8 * i)
        if i % 2:
            add_comment(session, customers[i % 30], text, at=at)
        else:
            add_message(session, customers[i % 30], text, at=at)
    return truth


def _get(session: Session, theme_id: int) -> Theme:
    theme = session.get(Theme, theme_id)
    assert theme is not None
    return theme


def _theme_with(session: Session, word: str) -> Theme:
    """The active theme whose signature weighs ``word`` most."""
    return max(theme_service.list_themes(session), key=lambda t: t.signature.get(word, 0.0))


def test_build_groups_comments_and_messages_with_who_and_when(session: Session) -> None:
    seed_feedback(session)
    report = themes_build.build(session, now=NOW, backend="tfidf")
    assert report.n_texts == 240 and report.n_themed == 240 and report.themes == 4
    themes = theme_service.list_themes(session)
    assert sum(t.size for t in themes) == 240
    kinds = dict(
        session.execute(
            select(ThemeMembership.source_kind, func.count()).group_by(ThemeMembership.source_kind)
        ).all()
    )
    assert kinds == {"comment": 120, "message": 120}
    assert (
        session.scalar(
            select(func.count())
            .select_from(ThemeMembership)
            .where(ThemeMembership.ticket_id.is_(None))
        )
        == 120
    )
    for theme in themes:
        assert theme.quotes and len({q["text"] for q in theme.quotes}) == len(theme.quotes)
        assert theme.name == " · ".join(theme.top_terms[:3])
    weekly = stats.weekly(session, [t.id for t in themes])
    assert sum(sum(v) for v in weekly.counts.values()) == 240  # all within twelve weeks


def test_quotes_mask_abuse_and_breakdown_counts_customers(session: Session) -> None:
    seed_feedback(session)
    rude = make_customer(session)
    for i in range(3):
        add_message(
            session,
            rude,
            "You idiot, the grinder motor broke and jammed again. Useless warranty repair.",
            at=T0 + timedelta(days=i),
        )
    themes_build.build(session, now=NOW, backend="tfidf")
    for theme in theme_service.list_themes(session):
        assert all("idiot" not in q["text"].lower() for q in theme.quotes)
        shown = stats.members(session, theme.id, limit=500)
        assert all("idiot" not in m["text"].lower() for m in shown)
        split = stats.breakdown(session, [theme.id])[theme.id]
        assert sum(row[1] for row in split["segment"]) == theme.size
        assert split["segment"][0][0] == stats.UNKNOWN  # nobody segmented in this test


def test_rename_merge_and_split_survive_a_rebuild(session: Session, manager: StaffUser) -> None:
    seed_feedback(session)
    themes_build.build(session, now=NOW, backend="tfidf")
    delivery, billing = _theme_with(session, "parcel"), _theme_with(session, "invoice")
    grinder, flavour = _theme_with(session, "grinder"), _theme_with(session, "roast")
    together = grinder.size + flavour.size
    theme_service.rename(session, delivery.id, name="  Late   parcels ", actor=manager)
    theme_service.merge(session, flavour.id, into_id=grinder.id, actor=manager)
    children = theme_service.split(session, billing.id, parts=2, actor=manager)
    child_ids = sorted(c.id for c in children)
    assert sum(c.size for c in children) == billing.size
    before = {c.id: c.size for c in children}

    report = themes_build.build(session, now=NOW, backend="tfidf")
    assert report.new == 0
    session.expire_all()
    assert _get(session, delivery.id).name == "Late parcels"
    assert _get(session, flavour.id).status == ThemeStatus.MERGED
    assert _get(session, grinder.id).size == together  # its texts and the merged ones
    assert _get(session, billing.id).status == ThemeStatus.SPLIT
    rebuilt = {t.id: t.size for t in theme_service.children(session, billing.id)}
    assert sorted(rebuilt) == child_ids and rebuilt == before
    active = sorted(t.id for t in theme_service.list_themes(session))
    assert active == sorted([delivery.id, grinder.id, *child_ids])
    assert (
        session.scalar(
            select(func.count())
            .select_from(ThemeMembership)
            .where(ThemeMembership.theme_id == flavour.id)
        )
        == 0
    )
    actions = set(session.scalars(select(AuditEntry.action)))
    assert {"theme.rename", "theme.merge", "theme.split"} <= actions


def test_unedited_themes_that_vanish_are_dropped_and_edited_ones_kept(
    session: Session, manager: StaffUser
) -> None:
    seed_feedback(session, n=160)
    themes_build.build(session, now=NOW, backend="tfidf")
    named = _theme_with(session, "grinder")
    theme_service.rename(session, named.id, name="Grinders", actor=manager)
    grinder_words = set(PLANTED["grinder"])
    # Customers stop writing about grinders: those texts now talk about parcels.
    for answer in session.scalars(select(SurveyAnswer)):
        if grinder_words & set(answer.comment.lower().replace(".", " ").split()):
            answer.comment = "parcel courier late delivery tracking"
    for message in session.scalars(select(Message)):
        if grinder_words & set(message.body.lower().replace(".", " ").split()):
            message.body = "invoice charged twice refund payment card"
    session.flush()
    themes_build.build(session, now=NOW, backend="tfidf")
    session.expire_all()
    kept = _get(session, named.id)
    assert kept is not None and kept.status == ThemeStatus.STALE and kept.size == 0
    assert kept.name == "Grinders"
    active = theme_service.list_themes(session)
    assert all("grinder" not in t.signature for t in active)
    assert sum(t.size for t in active) == 160


def test_bad_edits_are_clear_errors_and_change_nothing(
    session: Session, manager: StaffUser
) -> None:
    seed_feedback(session, n=120)
    themes_build.build(session, now=NOW, backend="tfidf")
    theme = _theme_with(session, "grinder")
    with pytest.raises(ValidationFailed, match="into itself") as caught:
        theme_service.merge(session, theme.id, into_id=theme.id, actor=manager)
    assert caught.value.field == "into_id"
    with pytest.raises(NotFound, match="no theme with id 999999"):
        theme_service.merge(session, theme.id, into_id=999_999, actor=manager)
    with pytest.raises(NotFound):
        theme_service.rename(session, 999_999, name="x", actor=manager)
    with pytest.raises(ValidationFailed) as empty:
        theme_service.rename(session, theme.id, name="   ", actor=manager)
    assert empty.value.field == "name"
    with pytest.raises(ValidationFailed, match="between 2 and 8"):
        theme_service.split(session, theme.id, parts=1, actor=manager)
    lonely = Theme(name="one", status=ThemeStatus.ACTIVE, size=1)
    session.add(lonely)
    session.flush()
    [member] = session.scalars(select(ThemeMembership).limit(1)).all()
    member.theme_id = lonely.id
    session.flush()
    with pytest.raises(ValidationFailed, match="has 1 text") as one:
        theme_service.split(session, lonely.id, parts=None, actor=manager)
    assert one.value.field == "theme_id"
    assert _get(session, lonely.id).status == ThemeStatus.ACTIVE
    assert _get(session, theme.id).name != "x"


def test_an_empty_desk_builds_nothing_and_says_so(session: Session) -> None:
    with pytest.raises(ThemeInputError, match="none of the 0 texts"):
        themes_build.build(session, now=NOW, backend="tfidf")
    assert "no themes yet" in themes_build.step(session, NOW, lambda _m: None)
    customer = make_customer(session)
    add_comment(session, customer, "🙂🙂🙂")
    add_comment(session, customer, "<p></p>")
    assert "no themes yet" in themes_build.step(session, NOW, lambda _m: None)
    assert session.scalar(select(func.count()).select_from(Theme)) == 0
