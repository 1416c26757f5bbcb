"""The demo's "you said, we did": one improvement answering its delivery-tracking themes.

Runs after ``fairdesk analyze`` has built the themes (it needs them): the improvement links
the real themes whose top terms talk about tracking and delivery, shipped twelve weeks before
the newest feedback so that the before/after comparison has both sides, and the customers
who asked are notified through the outbox like any shipped improvement. Deterministic: the
same demo gives the same themes, the same improvement and the same notifications.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from fairdesk.auth.models import Role, StaffUser
from fairdesk.db.base import utcnow
from fairdesk.db.session import unit_of_work
from fairdesk.feedback.improvements import metrics
from fairdesk.feedback.improvements import service as improvement_service
from fairdesk.feedback.improvements.models import Improvement
from fairdesk.feedback.themes import service as theme_service
from fairdesk.feedback.themes.models import ThemeMembership

WORDS = ("tracking", "delivered", "courier")
TITLE = "Tracked delivery on every order, with a link the day it leaves us"
DESCRIPTION = (
    'You told us parcels went quiet for days and that tracking said "delivered" when nothing '
    "had arrived. Every order now ships with a tracked courier, we e-mail you the tracking "
    "link the day your coffee leaves the roastery, and a parcel that stops moving for two "
    "days is chased by us, not by you."
)


def ship_demo_improvement(engine: Engine) -> str:
    """Plan and ship the demo improvement once, in its own unit of work; a one-line summary."""
    with unit_of_work(engine) as session:
        return add_improvement(session)


def add_improvement(session: Session) -> str:
    """Plan and ship the demo improvement unless one exists; a one-line summary."""
    if session.scalar(select(func.count()).select_from(Improvement)):
        return "an improvement already exists"
    themes = [
        t
        for t in theme_service.list_themes(session)
        if any(w in term.split() for term in t.top_terms for w in WORDS)
    ][:2]
    newest = session.scalar(select(func.max(ThemeMembership.written_at)))
    manager = session.scalar(
        select(StaffUser).where(StaffUser.role == Role.MANAGER).order_by(StaffUser.id).limit(1)
    )
    if not themes or newest is None or manager is None:
        return "no delivery theme to answer yet"
    day = (newest - timedelta(weeks=metrics.WEEKS)).date()
    shipped = min(datetime.combine(day, time(9), tzinfo=UTC), utcnow())
    improvement = improvement_service.create(
        session,
        title=TITLE,
        description=DESCRIPTION,
        owner_id=manager.id,
        planned_for=(shipped - timedelta(weeks=4)).date(),
        theme_ids=[t.id for t in themes],
        actor=manager,
    )
    _, report = improvement_service.ship(session, improvement.id, shipped_at=shipped, actor=manager)
    names = ", ".join(f"“{t.name}”" for t in themes)
    return f"shipped for {names}: {report.queued} customers told, {report.skipped} not contacted"
