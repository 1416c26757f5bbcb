"""Improvement rules: plan one from themes, ship it, and tell the customers who asked — once.

Imported as ``improvement_service``. Shipping marks the improvement shipped and calls
``notify``: every customer whose text fed a linked theme (written no later than the ship
time) gets one ``improvement_notification`` row — an e-mail queued in the outbox when they
allow contact, or the reason they were not written to. The row is unique per improvement
and customer, and the outbox key is too, so shipping twice or re-running never sends twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fairdesk.auth import service as audit
from fairdesk.auth.models import StaffUser
from fairdesk.config import get_settings
from fairdesk.customers.models import Customer, LifecycleStatus
from fairdesk.db.base import utcnow
from fairdesk.errors import NotFound, ValidationFailed
from fairdesk.feedback.improvements.models import (
    Improvement,
    ImprovementNotification,
    ImprovementStatus,
    ImprovementTheme,
    NotificationStatus,
)
from fairdesk.feedback.surveys.models import SurveyOptOut
from fairdesk.feedback.themes import service as theme_service
from fairdesk.feedback.themes.models import Theme, ThemeMembership, ThemeStatus
from fairdesk.outbox import service as outbox_service
from fairdesk.outbox.models import OutboxItem, OutboxKind

MAX_TITLE = 200
MAX_DESCRIPTION = 4_000


@dataclass(frozen=True)
class NotifyReport:
    queued: int
    skipped: int
    already: int  # customers told (or skipped) by an earlier run


def list_improvements(
    session: Session, *, status: ImprovementStatus | None = None
) -> Sequence[Improvement]:
    stmt = select(Improvement).order_by(
        Improvement.shipped_at.desc().nulls_last(), Improvement.id.desc()
    )
    if status is not None:
        stmt = stmt.where(Improvement.status == status)
    return session.scalars(stmt).all()


def get_improvement(session: Session, improvement_id: int) -> Improvement:
    improvement = session.get(Improvement, improvement_id)
    if improvement is None:
        raise NotFound(f"no improvement with id {improvement_id}", field="improvement_id")
    return improvement


def themes_of(session: Session, improvement_id: int) -> Sequence[Theme]:
    return session.scalars(
        select(Theme)
        .join(ImprovementTheme, ImprovementTheme.theme_id == Theme.id)
        .where(ImprovementTheme.improvement_id == improvement_id)
        .order_by(Theme.id)
    ).all()


def _text(value: str, field: str, limit: int, *, required: bool) -> str:
    clean = value.strip()
    if required and not clean:
        raise ValidationFailed(f"{field} must not be empty", field=field)
    if len(clean) > limit:
        raise ValidationFailed(f"{field} has at most {limit} characters", field=field)
    return clean


def _themes(session: Session, theme_ids: Sequence[int]) -> list[Theme]:
    themes = []
    for theme_id in dict.fromkeys(theme_ids):
        theme = theme_service.get_theme(session, theme_id, field="theme_ids")
        if theme.status == ThemeStatus.MERGED:
            raise ValidationFailed(
                f"theme {theme_id} was merged into theme {theme.merged_into_id}; link that one",
                field="theme_ids",
            )
        themes.append(theme)
    return themes


def create(
    session: Session,
    *,
    title: str,
    description: str,
    owner_id: int | None,
    planned_for: date | None,
    theme_ids: Sequence[int],
    actor: StaffUser | None,
) -> Improvement:
    """A planned improvement, linked to the themes it answers."""
    clean_title = _text(title, "title", MAX_TITLE, required=True)
    clean_description = _text(description, "description", MAX_DESCRIPTION, required=False)
    if owner_id is not None and session.get(StaffUser, owner_id) is None:
        raise NotFound(f"no staff member with id {owner_id}", field="owner_id")
    themes = _themes(session, theme_ids)
    improvement = Improvement(
        title=clean_title,
        description=clean_description,
        owner_id=owner_id,
        planned_for=planned_for,
        status=ImprovementStatus.PLANNED,
        created_by_id=actor.id if actor else None,
    )
    session.add(improvement)
    session.flush()
    for theme in themes:
        session.add(ImprovementTheme(improvement_id=improvement.id, theme_id=theme.id))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="improvement.create",
        entity_type="improvement",
        entity_id=improvement.id,
        details={"title": clean_title, "themes": [t.id for t in themes]},
    )
    return improvement


def link(
    session: Session, improvement_id: int, *, theme_ids: Sequence[int], actor: StaffUser | None
) -> Improvement:
    """Add themes to an improvement (already linked ones are left as they are)."""
    improvement = get_improvement(session, improvement_id)
    if not theme_ids:
        raise ValidationFailed("choose at least one theme", field="theme_ids")
    themes = _themes(session, theme_ids)
    linked = set(
        session.scalars(
            select(ImprovementTheme.theme_id).where(
                ImprovementTheme.improvement_id == improvement.id
            )
        )
    )
    added = [t.id for t in themes if t.id not in linked]
    for theme_id in added:
        session.add(ImprovementTheme(improvement_id=improvement.id, theme_id=theme_id))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="improvement.link",
        entity_type="improvement",
        entity_id=improvement.id,
        details={"added": added},
    )
    return improvement


def ship(
    session: Session,
    improvement_id: int,
    *,
    shipped_at: datetime | None = None,
    actor: StaffUser | None,
) -> tuple[Improvement, NotifyReport]:
    """Mark it shipped (once) and tell everyone who asked; safe to call again, even at once.

    The improvement row is written first (a no-op update): on PostgreSQL that takes its row
    lock, on SQLite the database's write lock, so a second manager shipping at the same moment
    waits, then reads the first one's notifications and queues nobody twice.
    """
    session.execute(
        update(Improvement)
        .where(Improvement.id == improvement_id)
        .values(status=Improvement.status)
        .execution_options(synchronize_session=False)
    )
    improvement = get_improvement(session, improvement_id)
    session.refresh(improvement)
    if not themes_of(session, improvement.id):
        raise ValidationFailed(
            "link at least one theme before shipping: the customers to "
            "tell are the ones whose feedback fed its themes",
            field="theme_ids",
        )
    now = utcnow()
    if shipped_at is not None and shipped_at > now:
        raise ValidationFailed("the ship date cannot be in the future", field="shipped_at")
    if improvement.status != ImprovementStatus.SHIPPED:
        improvement.status = ImprovementStatus.SHIPPED
        improvement.shipped_at = shipped_at or now
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="improvement.ship",
            entity_type="improvement",
            entity_id=improvement.id,
            details={"shipped_at": improvement.shipped_at.isoformat()},
        )
    report = notify(session, improvement)
    audit.record(
        session,
        actor=actor,
        action="improvement.notify",
        entity_type="improvement",
        entity_id=improvement.id,
        details={"queued": report.queued, "skipped": report.skipped, "already": report.already},
    )
    return improvement, report


def feeders(session: Session, improvement: Improvement) -> list[int]:
    """Customers whose text fed the improvement's themes, written no later than it shipped."""
    linked = [t.id for t in themes_of(session, improvement.id)]
    stmt = (
        select(ThemeMembership.customer_id)
        .distinct()
        .where(ThemeMembership.theme_id.in_(theme_service.family(session, linked)))
    )
    if improvement.shipped_at is not None:
        stmt = stmt.where(ThemeMembership.written_at <= improvement.shipped_at)
    return sorted(session.scalars(stmt))


def _why_not(customer: Customer, opted_out: bool) -> str:
    if customer.lifecycle_status == LifecycleStatus.PARTED:
        return "the business parted ways with this customer"
    if not customer.consent_email:
        return "no consent to e-mail"
    if opted_out:
        return "opted out of surveys and follow-up contact"
    if not customer.email or "@" not in customer.email:
        return "no e-mail address"
    return ""


def notify(session: Session, improvement: Improvement) -> NotifyReport:
    """One notification row per customer who asked; e-mail only to those who allow it."""
    if improvement.status != ImprovementStatus.SHIPPED:
        raise ValidationFailed("only a shipped improvement is announced", field="status")
    done = set(
        session.scalars(
            select(ImprovementNotification.customer_id).where(
                ImprovementNotification.improvement_id == improvement.id
            )
        )
    )
    todo = [c for c in feeders(session, improvement) if c not in done]
    queued = skipped = 0
    for start in range(0, len(todo), 1_000):
        chunk = todo[start : start + 1_000]
        customers = session.scalars(select(Customer).where(Customer.id.in_(chunk))).all()
        opted = set(
            session.scalars(
                select(SurveyOptOut.customer_id).where(SurveyOptOut.customer_id.in_(chunk))
            )
        )
        for customer in customers:
            reason = _why_not(customer, customer.id in opted)
            row = ImprovementNotification(
                improvement_id=improvement.id,
                customer_id=customer.id,
                reason=reason,
                status=NotificationStatus.SKIPPED if reason else NotificationStatus.QUEUED,
            )
            if not reason:
                row.outbox_id = _enqueue(session, improvement, customer).id
                queued += 1
            else:
                skipped += 1
            session.add(row)
        session.flush()
    return NotifyReport(queued, skipped, len(done))


def _enqueue(session: Session, improvement: Improvement, customer: Customer) -> OutboxItem:
    settings = get_settings()
    greeting = f"Hello {customer.first_name}," if customer.first_name else "Hello,"
    text = (
        f"{greeting}\n\nYou told us what we could do better, and we listened. Here is what "
        f"changed:\n\n{improvement.title}\n\n{improvement.description}\n\n"
        f"Everything we changed because customers asked: "
        f"{settings.public_base_url.rstrip('/')}/you-said-we-did\n\n"
        f"Thank you for telling us.\n{settings.business_name}\n"
    )
    return outbox_service.enqueue(
        session,
        kind=OutboxKind.EMAIL,
        dedup_key=f"improvement:{improvement.id}:customer:{customer.id}",
        payload={
            "to": customer.email,
            "subject": f"You said, we did: {improvement.title}",
            "text": text,
            "customer_id": customer.id,
            "improvement_id": improvement.id,
        },
    )


def notification_counts(session: Session, improvement_id: int) -> dict[str, int]:
    rows = session.execute(
        select(ImprovementNotification.status, func.count())
        .where(ImprovementNotification.improvement_id == improvement_id)
        .group_by(ImprovementNotification.status)
    ).all()
    counts = {str(s): 0 for s in NotificationStatus}
    counts.update({str(s): int(n) for s, n in rows})
    return counts


def for_theme(session: Session, theme_id: int) -> Sequence[Improvement]:
    """Improvements that answer a theme."""
    return session.scalars(
        select(Improvement)
        .join(ImprovementTheme, ImprovementTheme.improvement_id == Improvement.id)
        .where(ImprovementTheme.theme_id == theme_id)
        .order_by(Improvement.id)
    ).all()
