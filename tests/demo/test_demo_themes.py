"""The demo's themes and its one shipped improvement: real themes, notifications queued once."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role
from fairdesk.db.base import utcnow
from fairdesk.demo import build_demo, stream
from fairdesk.demo.improvement import add_improvement
from fairdesk.demo.tickets import add_tickets
from fairdesk.feedback.improvements import metrics
from fairdesk.feedback.improvements import service as improvement_service
from fairdesk.feedback.improvements.models import ImprovementNotification, ImprovementStatus
from fairdesk.feedback.themes import build as themes_build
from fairdesk.feedback.themes import service as theme_service
from fairdesk.outbox.models import OutboxItem
from tests.factories import make_user


def test_demo_themes_answer_a_real_theme_and_tell_customers_once(session: Session) -> None:
    make_user(session, role=Role.MANAGER)
    summary = build_demo(session, seed=7, customers=1_500)
    add_tickets(session, summary, stream(summary.seed, "tickets"))
    report = themes_build.build(session, now=utcnow(), backend="tfidf")
    assert report.themes >= 4 and report.n_themed >= 0.95 * report.n_texts
    themes = theme_service.list_themes(session)
    assert all(t.quotes for t in themes)
    outcome = add_improvement(session)
    assert outcome.startswith("shipped for")
    [improvement] = improvement_service.list_improvements(session)
    assert improvement.status == ImprovementStatus.SHIPPED
    linked = improvement_service.themes_of(session, improvement.id)
    assert linked and all(
        {"tracking", "delivered", "courier"} & {w for t in th.top_terms for w in t.split()}
        for th in linked
    )
    queued = improvement_service.notification_counts(session, improvement.id)["queued"]
    mails = session.scalar(
        select(func.count())
        .select_from(OutboxItem)
        .where(OutboxItem.dedup_key.like(f"improvement:{improvement.id}:%"))
    )
    assert queued > 0 and mails == queued
    compared = metrics.before_after(session, improvement)
    assert compared is not None and compared.before.tickets + compared.after.tickets > 0
    assert add_improvement(session) == "an improvement already exists"
    assert session.scalar(select(func.count()).select_from(ImprovementNotification)) == (
        improvement_service.notification_counts(session, improvement.id)["queued"]
        + improvement_service.notification_counts(session, improvement.id)["skipped"]
    )
