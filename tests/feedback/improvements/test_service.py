"""Improvements: plan, link, ship, and tell each customer who asked exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import AuditEntry, StaffUser
from fairdesk.customers.models import LifecycleStatus
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.feedback.improvements import metrics
from fairdesk.feedback.improvements import service as improvement_service
from fairdesk.feedback.improvements.models import (
    ImprovementNotification,
    ImprovementStatus,
    NotificationStatus,
)
from fairdesk.feedback.surveys.models import SurveyOptOut
from fairdesk.feedback.themes import service as theme_service
from fairdesk.outbox.models import OutboxItem, OutboxKind
from tests.feedback.helpers import add_comment, add_ticket
from tests.feedback.improvements.helpers import build_desk


def _plan(session: Session, manager: StaffUser, theme_ids: list[int]) -> int:
    return improvement_service.create(
        session,
        title="Tracked courier on every order",
        description="Tracking from day one.",
        owner_id=manager.id,
        planned_for=None,
        theme_ids=theme_ids,
        actor=manager,
    ).id


def _emails(session: Session) -> list[OutboxItem]:
    return list(
        session.scalars(
            select(OutboxItem).where(OutboxItem.kind == OutboxKind.EMAIL).order_by(OutboxItem.id)
        )
    )


def test_shipping_tells_every_customer_who_asked_once(session: Session, manager: StaffUser) -> None:
    desk = build_desk(session)
    improvement_id = _plan(session, manager, [desk.delivery.id])
    improvement, report = improvement_service.ship(session, improvement_id, actor=manager)
    assert improvement.status == ImprovementStatus.SHIPPED and improvement.shipped_at
    assert (report.queued, report.skipped, report.already) == (8, 0, 0)
    mails = _emails(session)
    assert sorted(m.payload["to"] for m in mails) == sorted(c.email or "" for c in desk.customers)
    assert all("Tracked courier on every order" in m.payload["subject"] for m in mails)
    assert all("/you-said-we-did" in m.payload["text"] for m in mails)
    # Shipping again (a double click, a retry) tells nobody twice.
    _, again = improvement_service.ship(session, improvement_id, actor=manager)
    assert (again.queued, again.skipped, again.already) == (0, 0, 8)
    assert len(_emails(session)) == 8
    assert session.scalar(select(func.count()).select_from(ImprovementNotification)) == 8
    session.flush()
    actions = list(
        session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "improvement"))
    )
    assert actions.count("improvement.ship") == 1 and actions.count("improvement.notify") == 2


def test_customers_who_do_not_allow_contact_are_never_written_to(
    session: Session, manager: StaffUser
) -> None:
    desk = build_desk(session)
    no_consent, opted_out, parted, no_email = desk.customers[:4]
    no_consent.consent_email = False
    parted.lifecycle_status = LifecycleStatus.PARTED
    no_email.email = None
    session.add(SurveyOptOut(customer_id=opted_out.id))
    session.flush()
    improvement_id = _plan(session, manager, [desk.delivery.id])
    _, report = improvement_service.ship(session, improvement_id, actor=manager)
    assert (report.queued, report.skipped) == (4, 4)
    told = {m.payload["to"] for m in _emails(session)}
    assert told == {c.email for c in desk.customers[4:]}
    reasons = dict(
        session.execute(
            select(ImprovementNotification.customer_id, ImprovementNotification.reason).where(
                ImprovementNotification.status == NotificationStatus.SKIPPED
            )
        ).all()
    )
    assert reasons == {
        no_consent.id: "no consent to e-mail",
        opted_out.id: "opted out of surveys and follow-up contact",
        parted.id: "the business parted ways with this customer",
        no_email.id: "no e-mail address",
    }


def test_feedback_after_the_ship_date_is_not_told_and_split_children_count(
    session: Session, manager: StaffUser
) -> None:
    desk = build_desk(session)
    children = theme_service.split(session, desk.delivery.id, parts=2, actor=manager)
    improvement_id = _plan(session, manager, [desk.delivery.id])
    early = desk.customers[0]
    shipped = utcnow() - timedelta(weeks=10) + timedelta(days=1, hours=1)
    _, report = improvement_service.ship(session, improvement_id, shipped_at=shipped, actor=manager)
    # Only the first delivery writer had written by then (message and comment on day 0-1).
    assert report.queued == 1
    assert [m.payload["to"] for m in _emails(session)] == [early.email]
    assert sum(c.size for c in children) == desk.delivery.size


def test_before_and_after_compare_the_themes_tickets(session: Session, manager: StaffUser) -> None:
    desk = build_desk(session, weeks_ago=6)
    improvement_id = _plan(session, manager, [desk.delivery.id])
    planned = improvement_service.get_improvement(session, improvement_id)
    assert metrics.before_after(session, planned) is None
    ship_at = utcnow() - timedelta(weeks=6) + timedelta(days=11)  # after tickets 0-3 (days 0-9)
    improvement, _ = improvement_service.ship(
        session, improvement_id, shipped_at=ship_at, actor=manager
    )
    # A ticket of the theme answered after the ship date, with a better score.
    late = add_ticket(session, desk.customers[5], at=ship_at + timedelta(days=20), resolved_hours=2)
    add_comment(session, desk.customers[5], "fine now", at=late.created_at, ticket=late, csat=5)
    compared = metrics.before_after(session, improvement)
    assert compared is not None
    assert compared.ticket_count == 8
    assert compared.before.tickets == 4 and compared.after.tickets == 4
    assert compared.before.per_week == 0.33  # 4 tickets in 12 weeks
    assert compared.before.resolution_hours == 11.5  # median of 10, 11, 12, 13 hours
    assert compared.after.resolution_hours == 15.5
    assert compared.before.csat == 2.0 and compared.before.csat_answers == 4
    assert compared.after.csat == 2.0  # the new ticket is not in the theme until a rebuild
    assert sum(compared.weekly_counts) == 8


def test_bad_input_is_refused_and_changes_nothing(session: Session, manager: StaffUser) -> None:
    desk = build_desk(session)
    with pytest.raises(ValidationFailed) as empty:
        improvement_service.create(
            session,
            title="  ",
            description="",
            owner_id=None,
            planned_for=None,
            theme_ids=[],
            actor=manager,
        )
    assert empty.value.field == "title"
    with pytest.raises(NotFound) as unknown:
        improvement_service.create(
            session,
            title="x",
            description="",
            owner_id=None,
            planned_for=None,
            theme_ids=[999_999],
            actor=manager,
        )
    assert unknown.value.field == "theme_ids"
    with pytest.raises(NotFound):
        improvement_service.create(
            session,
            title="x",
            description="",
            owner_id=999_999,
            planned_for=None,
            theme_ids=[],
            actor=manager,
        )
    bare = improvement_service.create(
        session,
        title="No themes",
        description="",
        owner_id=None,
        planned_for=None,
        theme_ids=[],
        actor=manager,
    )
    with pytest.raises(ValidationFailed, match="link at least one theme"):
        improvement_service.ship(session, bare.id, actor=manager)
    improvement_service.link(session, bare.id, theme_ids=[desk.billing.id], actor=manager)
    with pytest.raises(ValidationFailed, match="future") as future:
        improvement_service.ship(
            session, bare.id, shipped_at=utcnow() + timedelta(days=1), actor=manager
        )
    assert future.value.field == "shipped_at"
    assert improvement_service.get_improvement(session, bare.id).status == "planned"
    with pytest.raises(NotFound):
        improvement_service.ship(session, 999_999, actor=manager)
    theme_service.merge(session, desk.billing.id, into_id=desk.delivery.id, actor=manager)
    with pytest.raises(ValidationFailed, match="was merged into"):
        improvement_service.link(session, bare.id, theme_ids=[desk.billing.id], actor=manager)
    assert _emails(session) == []
