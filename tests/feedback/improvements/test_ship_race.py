"""Two managers shipping the same improvement at the same moment, committed for real.

Both calls succeed (shipping is safe to repeat), the improvement is shipped once, and every
customer who asked is queued exactly one e-mail.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select

from fairdesk.auth.models import AuditEntry, Role, StaffUser
from fairdesk.db.session import unit_of_work
from fairdesk.feedback.improvements import service as improvement_service
from fairdesk.feedback.improvements.models import ImprovementNotification, NotificationStatus
from fairdesk.outbox.models import OutboxItem
from tests.factories import make_user
from tests.feedback.improvements.helpers import build_desk

MANAGERS = 4


def test_simultaneous_ships_queue_each_customer_once(committed_db: Engine) -> None:
    with unit_of_work(committed_db) as session:
        managers = [make_user(session, role=Role.MANAGER) for _ in range(MANAGERS)]
        desk = build_desk(session)
        improvement = improvement_service.create(
            session,
            title="Tracked courier on every order",
            description="Every parcel now has tracking.",
            owner_id=managers[0].id,
            planned_for=None,
            theme_ids=[desk.delivery.id],
            actor=managers[0],
        )
        improvement_id, manager_ids = improvement.id, [m.id for m in managers]
        asked = len(desk.customers)
    start = threading.Barrier(MANAGERS)

    def ship(manager_id: int) -> int:
        start.wait()
        with unit_of_work(committed_db) as session:
            actor = session.get(StaffUser, manager_id)
            _, report = improvement_service.ship(session, improvement_id, actor=actor)
            return report.queued + report.skipped

    with ThreadPoolExecutor(MANAGERS) as pool:
        told = list(pool.map(ship, manager_ids))

    assert sorted(told) == [0] * (MANAGERS - 1) + [asked]
    with unit_of_work(committed_db) as session:
        rows = session.execute(
            select(ImprovementNotification.status, func.count())
            .where(ImprovementNotification.improvement_id == improvement_id)
            .group_by(ImprovementNotification.status)
        ).all()
        counts = {NotificationStatus(status): n for status, n in rows}
        assert sum(counts.values()) == asked
        emails = session.scalar(
            select(func.count())
            .select_from(OutboxItem)
            .where(OutboxItem.dedup_key.like(f"improvement:{improvement_id}:%"))
        )
        assert emails == counts.get(NotificationStatus.QUEUED, 0) > 0
        shipped = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "improvement.ship", AuditEntry.entity_id == str(improvement_id)
            )
        )
        assert shipped == 1
